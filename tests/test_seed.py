"""seed_territory and seed_demo: idempotent, fictitious, and a 2020 whose
figures, recounted here with hand-written SQL, are exactly the published ones."""

import contextlib
import datetime
import io
import re
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from beneficiaries.enums import AppointmentState, RegistrationStatus, WorkshopStatus
from beneficiaries.models import (
    Appointment,
    Beneficiary,
    Outcome,
    Referral,
    Visit,
    Workshop,
    WorkshopRegistration,
)
from messaging.enums import Status
from messaging.models import Message
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue, WeeklySlot
from permanences.territory import TERRITORY
from reporting.bilan import compute_bilan
from reporting.figures import WorkshopFigures
from reporting.models import PublishedBilan

from .factories import DEMO_PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Quarter,
            Venue,
            WeeklySlot,
            Permanence,
            Beneficiary,
            Visit,
            Referral,
            Outcome,
            PublishedBilan,
            Workshop,
            WorkshopRegistration,
        )
    }


def test_seed_territory_creates_six_quarters_with_venues_and_slots():
    run("seed_territory")
    assert Quarter.objects.count() == 6
    assert set(Quarter.objects.values_list("name", flat=True)) == set(TERRITORY)
    for quarter in Quarter.objects.all():
        venues = quarter.venues.all()
        assert venues, quarter
        for venue in venues:
            assert venue.slots.exists(), venue
    # Only the names the city has published are presented as real.
    examples = Venue.objects.filter(is_example=True)
    assert examples.count() == 2
    assert all("(exemple)" in v.name for v in examples)
    assert not Quarter.objects.exclude(qpv_code="").exists()


def test_seed_territory_is_idempotent_and_keeps_an_admins_edits():
    run("seed_territory")
    before = counts()
    assert "rien n'a été modifié" in run("seed_territory")
    assert counts() == before
    # An admin renames the example venue of La Noue: it is not created again.
    Venue.objects.filter(name__startswith="Lieu d'accueil La Noue").update(
        name="Maison de quartier de La Noue"
    )
    run("seed_territory")
    assert counts() == before


@pytest.fixture
def demo(demo_db):
    return demo_db


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_seed_demo_2020_matches_the_published_figures(demo):
    persons_2020 = """
        SELECT DISTINCT v.beneficiary_id FROM beneficiaries_visit v
        WHERE v.date >= '2020-01-01' AND v.date < '2021-01-01'
    """
    [(persons, women, men)] = sql(
        f"""SELECT count(*), count(*) FILTER (WHERE b.sex = 'F'), count(*) FILTER (WHERE b.sex = 'M')
            FROM beneficiaries_beneficiary b WHERE b.id IN ({persons_2020})"""
    )
    assert (persons, women, men) == (201, 125, 76)
    assert round(100 * women / persons) == 62
    [(appointments,)] = sql(
        "SELECT count(*) FROM beneficiaries_visit WHERE date >= '2020-01-01' AND date < '2021-01-01'"
    )
    assert appointments == 348
    outcomes_2020 = f"""
        FROM beneficiaries_outcome o
        WHERE o.start_date >= '2020-01-01' AND o.start_date < '2021-01-01'
          AND o.beneficiary_id IN ({persons_2020})
    """
    [(with_outcome,)] = sql(f"SELECT count(DISTINCT o.beneficiary_id) {outcomes_2020}")
    assert with_outcome == 34
    by_kind = dict(sql(f"SELECT o.kind, count(*) {outcomes_2020} GROUP BY o.kind"))
    assert by_kind.get("cdi") == 8
    assert by_kind.get("cdd") == 8
    assert by_kind.get("contrat_aide", 0) + by_kind.get("alternance", 0) == 12
    assert by_kind.get("formation") == 18
    assert sum(by_kind.values()) == 46  # some persons have two outcomes


def test_seed_demo_spreads_2020_over_months_venues_and_quarters(demo):
    months = sql(
        """SELECT DISTINCT extract(month FROM date) FROM beneficiaries_visit
           WHERE extract(year FROM date) = 2020"""
    )
    assert len(months) >= 9  # closed during the first lockdown
    venues = sql(
        """SELECT DISTINCT p.venue_id FROM beneficiaries_visit v
           JOIN permanences_permanence p ON p.id = v.permanence_id
           WHERE v.date BETWEEN '2020-01-01' AND '2020-12-31'"""
    )
    assert len(venues) == Venue.objects.count()
    quarters = sql(
        """SELECT DISTINCT b.quarter_id FROM beneficiaries_beneficiary b JOIN beneficiaries_visit v
           ON v.beneficiary_id = b.id WHERE v.date BETWEEN '2020-01-01' AND '2020-12-31'"""
    )
    assert len(quarters) >= 6
    permanences_2020 = Permanence.objects.filter(date__year=2020)
    assert permanences_2020.filter(status=PermanenceStatus.HELD).exists()
    assert permanences_2020.filter(status=PermanenceStatus.CANCELLED).exists()
    assert Referral.objects.filter(proposed_on__year=2020).exists()


def test_seed_demo_has_recent_activity(demo, today):
    assert Visit.objects.filter(date__year=today.year).exists()
    assert Permanence.objects.filter(date__gt=today).exists()
    assert PublishedBilan.objects.filter(year=2020).exists()


def test_seed_demo_plans_the_coming_weeks_and_leaves_one_past_session_to_close(demo, today):
    end = today + datetime.timedelta(weeks=settings.PLANNING_WEEKS, days=-1)
    slot_days = {
        (slot.pk, day)
        for slot in WeeklySlot.objects.valid_during(today, end)
        for day in slot.dates_between(today, end)
    }
    planned = set(
        Permanence.objects.filter(slot_date__gte=today, slot_date__lte=end).values_list("slot", "slot_date")
    )
    assert slot_days and planned == slot_days
    assert f"Planning des {settings.PLANNING_WEEKS} prochaines semaines à jour" in demo
    # The demo counsellor has coming sessions; one closure is announced, by hand.
    assert Permanence.objects.coming(today).filter(counsellors__username="conseillere").exists()
    closure = Permanence.objects.coming(today).get(status=PermanenceStatus.CANCELLED)
    assert closure.changed_by_hand_at is not None
    # Nobody said whether last week's session without visits took place.
    [unsaid] = Permanence.objects.past_planned(today)
    assert today - datetime.timedelta(weeks=1) <= unsaid.date < today and not unsaid.visits.exists()


def test_seed_demo_has_follow_ups_honoured_missed_and_expected(demo, today):
    states = Counter(Appointment.objects.with_state().values_list("state", flat=True))
    assert states[AppointmentState.HONOURED] > 10 and states[AppointmentState.MISSED] > 5, states
    assert states[AppointmentState.BOOKED] > 0  # expected at the coming sessions
    # Never in the reference year: 2020 keeps its published figures (test above).
    assert not Appointment.objects.filter(permanence__date__year=2020).exists()
    last = compute_bilan(today.year - 1).follow_ups
    assert last.booked == last.honoured + last.missed > 0


def test_seed_demo_persons_accept_messages_and_their_reminders_go_to_the_console(demo, today, settings):
    consenting = Beneficiary.objects.filter(sms_consent_at__isnull=False)
    assert consenting.exists()
    assert all(p.phone.startswith("06 39 98") for p in consenting)
    assert all(
        p.email.endswith("@example.org") for p in Beneficiary.objects.filter(email_consent_at__isnull=False)
    )
    settings.SMS_BACKEND = "console"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    settings.SMS_QUIET_HOURS = ""
    settings.REMINDER_LEAD_HOURS = 24 * 21  # the coming three weeks' reminders, at once
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call_command("queue_messages", stdout=io.StringIO())
    assert "--- SMS à +336399" in out.getvalue() and "rappel de votre" in out.getvalue()
    assert Message.objects.filter(status=Status.SENT).count() == Message.objects.count() > 0


def test_seed_demo_gives_the_two_counsellors_a_caseload_of_recent_persons(demo, today):
    colleague = get_user_model().objects.get(username="conseiller")
    assert not colleague.has_usable_password()  # a fictitious colleague: never logs in
    recent = Beneficiary.objects.filter(visits__date__gte=today - datetime.timedelta(days=365)).distinct()
    by_referent = dict(
        Beneficiary.objects.values_list("referent__username").annotate(n=Count("pk")).order_by()
    )
    assert by_referent["conseillere"] > by_referent["conseiller"] > 0
    assert 0 < recent.filter(referent=None).count() < recent.count() // 3
    assert not Beneficiary.objects.exclude(pk__in=recent.values("pk")).exclude(referent=None).exists()
    assert not Beneficiary.objects.filter(anonymised_at__isnull=False).exclude(referent=None).exists()


def test_seed_demo_has_workshops_with_attendance_in_the_recent_years(demo, today):
    for year in range(today.year - 2, today.year + 1):
        workshops = compute_bilan(year).workshops
        assert workshops.sessions >= 10 and workshops.registrations > workshops.attendances > 0, year
        assert 0 < workshops.persons_without_appointment < workshops.persons, year
    assert compute_bilan(2020).workshops == WorkshopFigures()
    coming = Workshop.objects.filter(date__gt=today, status=WorkshopStatus.PLANNED)
    assert coming.filter(registrations__status=RegistrationStatus.WAITING).exists()
    assert Workshop.objects.filter(status=WorkshopStatus.CANCELLED).exists()
    # Attendance only where it can be: a place, a workshop held, and not to come.
    marked = WorkshopRegistration.objects.exclude(attendance="")
    assert not marked.exclude(status=RegistrationStatus.REGISTERED).exists()
    assert not marked.filter(workshop__date__gt=today).exists()
    assert not marked.filter(workshop__status=WorkshopStatus.CANCELLED).exists()
    for workshop in Workshop.objects.all():
        assert workshop.registrations.with_place().count() <= workshop.capacity


def logs_in(username, password) -> str:
    """Where the login form sends the user: home, or the two-factor step."""
    response = Client().post(reverse("login"), {"login": username, "password": password})
    assert response.status_code == 302, (username, response.status_code)
    return response.url


def test_seed_demo_accounts_log_in_with_the_given_password(demo):
    # Counsellors see the files: a second factor follows the password.
    assert logs_in("conseillere", DEMO_PASSWORD) == reverse("mfa_authenticate")
    assert logs_in("ville", DEMO_PASSWORD) == reverse("home")
    assert "conseillere" in demo and DEMO_PASSWORD in demo


def test_demo_accounts_that_see_files_log_in_with_their_printed_second_factor(demo):
    for username in ("conseillere", "coordination", "admin"):
        client = Client()
        step = client.post(reverse("login"), {"login": username, "password": DEMO_PASSWORD})
        assert step.url == reverse("mfa_authenticate")
        secret = re.search(rf"{username}\s+clé TOTP : (\w+)", demo).group(1)
        response = client.post(step.url, {"code": totp_code(secret)})
        assert response.status_code == 302 and response.url == reverse("home"), username


def test_demo_totp_prints_the_code_of_the_moment_of_each_account_that_needs_one(demo):
    for username in ("conseillere", "coordination", "admin"):
        code = io.StringIO()
        call_command("demo_totp", username, stdout=code)
        assert re.fullmatch(r"\d{6}\n", code.getvalue())
        # The code of the moment opens the account.
        client = Client()
        step = client.post(reverse("login"), {"login": username, "password": DEMO_PASSWORD})
        assert client.post(step.url, {"code": code.getvalue().strip()}).url == reverse("home")


def test_seed_demo_generates_and_prints_a_password_once(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    out = run("seed_demo")
    [line] = [line for line in out.splitlines() if "affiché une seule fois" in line]
    password = line.rsplit(" ", 1)[1]
    assert logs_in("ville", password) == reverse("home")


def test_seed_demo_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment-42")
    run("seed_demo")
    assert logs_in("ville", "from-the-environment-42") == reverse("home")


def test_seed_demo_refuses_a_weak_password():
    before = counts()
    with pytest.raises(CommandError, match="Mot de passe refusé"):
        run("seed_demo", password="demo")
    assert counts() == before


def test_seed_demo_twice_changes_nothing():
    run("seed_demo", password=DEMO_PASSWORD)
    before = counts()
    out = run("seed_demo", password=DEMO_PASSWORD)
    assert "aucun dossier de démonstration n'a été ajouté" in out
    # The coming weeks are planned at every start of the demo: already done.
    assert f"Planning des {settings.PLANNING_WEEKS} prochaines semaines à jour : 0 permanence(s)" in out
    assert counts() == before


def test_seed_demo_data_is_fictitious(demo):
    phones = set(Beneficiary.objects.exclude(phone="").values_list("phone", flat=True))
    assert phones and all(p.startswith("06 39 98 ") for p in phones)  # ARCEP's range for fiction
    emails = set(Beneficiary.objects.exclude(email="").values_list("email", flat=True))
    assert emails and all(e.endswith("@example.org") for e in emails)

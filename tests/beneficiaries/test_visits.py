"""Logging a visit from the permanence: one form, referrals, next step, never twice."""

import datetime
import uuid

import pytest
from django.urls import reverse

from beneficiaries.enums import VisitKind
from beneficiaries.models import Referral, Topic, Visit
from permanences.enums import PermanenceStatus

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return make_person()


@pytest.fixture
def session(venue, today):
    return make_permanence(venue, today, status=PermanenceStatus.PLANNED)


def visit_data(**extra):
    topics = list(Topic.objects.values_list("pk", flat=True)[:2])
    return {
        "token": str(uuid.uuid4()),
        "topics": topics,
        "notes": "CV mis à jour.",
        "duration_minutes": "30",
        "orientations-TOTAL_FORMS": "2",
        "orientations-INITIAL_FORMS": "0",
        "orientations-0-partner": "mission_locale",
        "orientations-0-detail": "Garantie jeunes",
        "orientations-1-partner": "",
        "orientations-1-detail": "",
        "next_step": "Rapporter le CV imprimé",
        "next_step_due": "",
        **extra,
    }


def url(person, session):
    return reverse("beneficiaries:visit_create", args=[person.pk, session.pk])


def test_a_visit_is_logged_with_referral_and_next_step(logged, counsellor, person, session, today):
    due = (today + datetime.timedelta(days=7)).strftime("%d/%m/%Y")
    response = logged.post(url(person, session), visit_data(next_step_due=due))
    assert response.status_code == 302 and response.url == reverse("beneficiaries:desk", args=[session.pk])
    visit = Visit.objects.get()
    assert visit.date == today and visit.counsellor == counsellor and visit.kind == VisitKind.FIRST
    assert visit.topics.count() == 2 and visit.duration_minutes == 30
    assert visit.next_step_due == today + datetime.timedelta(days=7)
    referral = Referral.objects.get()
    assert (referral.partner, referral.detail, referral.proposed_on, referral.visit) == (
        "mission_locale",
        "Garantie jeunes",
        today,
        visit,
    )
    session.refresh_from_db()
    assert session.status == PermanenceStatus.HELD and counsellor in session.counsellors.all()


def test_a_second_visit_is_a_follow_up(logged, person, session, venue):
    make_visit(person, make_permanence(venue, session.date - datetime.timedelta(days=7)))
    logged.post(url(person, session), visit_data())
    assert Visit.objects.get(permanence=session).kind == VisitKind.FOLLOW_UP


def test_double_click_replay_and_back_button_never_make_two_visits(logged, person, session):
    data = visit_data()
    logged.post(url(person, session), data)
    replay = logged.post(url(person, session), data)  # same token
    assert replay.status_code == 302
    back = logged.post(url(person, session), visit_data())  # a new token, the same person and session
    assert back.status_code == 302
    assert Visit.objects.count() == 1 and Referral.objects.count() == 1


def test_no_visit_in_a_cancelled_or_future_permanence(logged, person, venue, today):
    cancelled = make_permanence(venue, today, status=PermanenceStatus.CANCELLED, start="14:00", end="17:00")
    response = logged.post(url(person, cancelled), visit_data())
    assert response.status_code == 400 and "annulée" in response.content.decode()
    future = make_permanence(venue, today + datetime.timedelta(days=2), status=PermanenceStatus.PLANNED)
    response = logged.post(url(person, future), visit_data())
    assert response.status_code == 400 and "à venir" in response.content.decode()
    assert not Visit.objects.exists() and not Referral.objects.exists()


def test_a_visit_is_logged_the_day_itself_or_after_as_the_desk_of_a_future_session_says(
    logged, person, venue, today
):
    future = make_permanence(venue, today + datetime.timedelta(days=2), status=PermanenceStatus.PLANNED)
    desk = logged.get(reverse("beneficiaries:desk", args=[future.pk])).content.decode()
    assert "les rendez-vous se notent le jour même ou après" in desk
    past = make_permanence(venue, today - datetime.timedelta(days=3), status=PermanenceStatus.PLANNED)
    response = logged.post(url(person, past), visit_data())
    assert response.status_code == 302
    assert Visit.objects.get().permanence == past


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "-5", "au moins 1 minute"),
        ("duration_minutes", "10000", "600 minutes"),
        ("notes", "x" * 2001, "2000 caractères"),
        ("topics", ["999999"], "Thème inconnu"),
        ("orientations-0-partner", "pole_emploi", "Partenaire inconnu"),
        ("next_step_due", "31/02/2025", "Date invalide"),
        ("next_step_due", "01/01/2020", "dans un an"),
        ("notes", "bad\x00byte", "caractère nul"),
    ],
)
def test_bad_visit_input_is_refused_in_french_and_nothing_is_saved(
    logged, person, session, field, value, message
):
    response = logged.post(url(person, session), visit_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not Referral.objects.exists()


def test_notes_with_markup_are_stored_as_typed_and_shown_escaped(logged, person, session):
    notes = '<script>alert("x")</script> "quoted" \'single\''
    logged.post(url(person, session), visit_data(notes=notes))
    assert Visit.objects.get().notes == notes
    html = logged.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")</script>' not in html


def test_the_form_tells_what_notes_may_hold(logged, person, session):
    html = logged.get(url(person, session)).content.decode()
    assert "Faits objectifs uniquement" in html and "aucune information de santé" in html


def test_the_desk_lists_the_people_seen_so_far(logged, person, session):
    make_visit(person, session)
    html = logged.get(reverse("beneficiaries:desk", args=[session.pk])).content.decode()
    assert "Personnes reçues dans cette permanence (1)" in html and person.ref in html


def test_the_desk_takes_the_same_queries_however_many_people_were_seen(
    logged, person, session, django_assert_num_queries
):
    """make bench-load fills a session with hundreds of visits (docs/BENCHMARKS.md)."""
    desk = reverse("beneficiaries:desk", args=[session.pk])
    topic = Topic.objects.first()
    make_visit(person, session).topics.add(topic)
    with django_assert_num_queries(8):
        logged.get(desk)
    for n in range(6):
        make_visit(make_person(f"Reçue{n}"), session).topics.add(topic)
    with django_assert_num_queries(8):
        html = logged.get(desk).content.decode()
    assert "Personnes reçues dans cette permanence (7)" in html

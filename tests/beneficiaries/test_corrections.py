"""Who corrects or deletes a visit, a referral or an outcome: the counsellor who
recorded it, within the correction window (CORRECTION_WINDOW_DAYS); coordination
at any time; the city never. The reason is kept in the file's trail, which the
city never sees. An anonymised file is never corrected."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import AnonymisationReason, CorrectionReason, OutcomeKind, Partner, WorkingTime
from beneficiaries.models import ANONYMISED_READ_ONLY
from beneficiaries.services import beneficiary_anonymise
from core.enums import Role

from ..factories import make_user
from .corrections import (
    ACTIONS,
    DELETES,
    EDITS,
    NOT_YOURS,
    make_file,
    recorded_days_ago,
    row_of,
    snapshot,
    url,
    valid_form,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(venue, today, counsellor):
    return make_file(venue, today, counsellor)


@pytest.fixture
def other_counsellor(django_user_model):
    return make_user(django_user_model, "dora", Role.CONSEILLER)


@pytest.mark.parametrize("action", ACTIONS)
def test_the_counsellor_who_recorded_a_row_corrects_it_within_the_window(client, counsellor, file, action):
    row = row_of(file, action)
    client.force_login(counsellor)
    assert client.get(url(file, action)).status_code == 200
    response = client.post(url(file, action), valid_form(file, action))
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:detail", args=[file.person.pk])
    saved = type(row).objects.filter(pk=row.pk).first()
    if action in DELETES:
        assert saved is None
    else:
        assert (saved.version, saved.updated_by) == (row.version + 1, counsellor)


def test_the_corrected_values_are_saved(client, counsellor, file):
    client.force_login(counsellor)
    for action in EDITS:
        assert client.post(url(file, action), valid_form(file, action)).status_code == 302
    visit, referral, outcome = (row_of(file, action) for action in EDITS)
    assert (visit.notes, visit.duration_minutes, visit.permanence) == ("Notes corrigées", 30, file.session)
    assert (referral.partner, referral.detail, referral.proposed_on, referral.channel) == (
        Partner.SIAE,
        "Chantier d'insertion",
        visit.date,
        "",
    )
    assert (outcome.kind, outcome.working_time, (outcome.end_date - outcome.start_date).days) == (
        OutcomeKind.CDD,
        WorkingTime.PART_TIME,
        180,
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_another_counsellor_is_refused_in_french_and_nothing_is_saved(client, other_counsellor, file, action):
    client.force_login(other_counsellor)
    before = snapshot(file.person)
    for response in (client.get(url(file, action)), client.post(url(file, action), valid_form(file, action))):
        assert response.status_code == 403
        assert NOT_YOURS in response.content.decode()
    assert snapshot(file.person) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_past_the_window_the_counsellor_is_refused(client, counsellor, file, action, settings):
    settings.CORRECTION_WINDOW_DAYS = 10
    client.force_login(counsellor)
    recorded_days_ago(file, 9)
    assert client.get(url(file, action)).status_code == 200
    recorded_days_ago(file, 11)
    before = snapshot(file.person)
    for response in (client.get(url(file, action)), client.post(url(file, action), valid_form(file, action))):
        assert response.status_code == 403
        assert f"{NOT_YOURS}, dans les 10 jours qui suivent" in response.content.decode()
    assert snapshot(file.person) == before


def test_the_window_is_thirty_days_by_default(client, counsellor, file):
    client.force_login(counsellor)
    recorded_days_ago(file, 29)
    assert client.get(url(file, "visit_edit")).status_code == 200
    recorded_days_ago(file, 31)
    response = client.get(url(file, "visit_edit"))
    assert response.status_code == 403 and "dans les 30 jours" in response.content.decode()


def test_the_window_is_a_setting_read_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CORRECTION_WINDOW_DAYS": "45"}
    read = "from django.conf import settings; print(settings.CORRECTION_WINDOW_DAYS)"
    done = subprocess.run(
        [sys.executable, "-c", read],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "45", done.stderr


@pytest.mark.parametrize("action", ACTIONS)
def test_coordination_corrects_at_any_time(client, coordinator, file, action):
    recorded_days_ago(file, 3 * 365)
    client.force_login(coordinator)
    assert client.get(url(file, action)).status_code == 200
    assert client.post(url(file, action), valid_form(file, action)).status_code == 302


@pytest.mark.parametrize("action", ACTIONS)
def test_the_city_never_corrects(client, city, file, action):
    client.force_login(city)
    before = snapshot(file.person)
    assert client.get(url(file, action)).status_code == 403
    assert client.post(url(file, action), valid_form(file, action)).status_code == 403
    assert snapshot(file.person) == before


def test_the_file_offers_corrections_only_to_who_may_make_them(
    client, counsellor, other_counsellor, coordinator, file
):
    detail = reverse("beneficiaries:detail", args=[file.person.pk])
    links = [url(file, action) for action in ACTIONS] + [
        reverse("beneficiaries:referral_edit", args=[file.phoned.pk])
    ]
    for user, shown in ((counsellor, True), (coordinator, True), (other_counsellor, False)):
        client.force_login(user)
        html = client.get(detail).content.decode()
        assert all((link in html) is shown for link in links), user
    recorded_days_ago(file, 31)
    client.force_login(counsellor)
    html = client.get(detail).content.decode()
    assert not any(link in html for link in links)


def test_the_reason_is_kept_in_the_trail_which_the_city_never_sees(
    client, counsellor, coordinator, city, file
):
    client.force_login(counsellor)
    data = valid_form(file, "visit_edit", reason=CorrectionReason.DID_NOT_HAPPEN)
    client.post(url(file, "visit_edit"), data)
    client.post(
        url(file, "outcome_delete"), valid_form(file, "outcome_delete", reason=CorrectionReason.WRONG_FILE)
    )
    reasons = AuditEntry.objects.filter(file_ref=file.person.ref, action=AuditAction.CORRECTION)
    assert sorted(reasons.values_list("object_type", "object_id", "detail", "username")) == [
        (
            "beneficiaries.outcome",
            str(file.outcome.pk),
            "Suppression — motif : Noté dans le dossier d'une autre personne",
            "alice",
        ),
        ("beneficiaries.visit", str(file.visit.pk), "Correction — motif : N'a pas eu lieu", "alice"),
    ]
    # Beside them, the database's own entries: which columns changed, never their values.
    change = AuditEntry.objects.get(object_type="beneficiaries.visit", action=AuditAction.CHANGE)
    assert change.columns == "duration_minutes, notes"
    assert AuditEntry.objects.filter(object_type="beneficiaries.outcome", action=AuditAction.DELETE).exists()
    trail = reverse("beneficiaries:trail", args=[file.person.pk])
    client.force_login(coordinator)
    assert "Correction — motif : N&#x27;a pas eu lieu" in client.get(trail).content.decode()
    client.force_login(city)
    for address in (trail, reverse("beneficiaries:detail", args=[file.person.pk])):
        assert client.get(address).status_code == 403
    dashboard = client.get(reverse("reporting:dashboard"))
    assert dashboard.status_code == 200 and "motif" not in dashboard.content.decode().lower()


NEW_ACTIONS = [*ACTIONS, "referral_create"]


@pytest.mark.parametrize("who", ["counsellor", "coordinator"])
@pytest.mark.parametrize("action", NEW_ACTIONS)
def test_an_anonymised_file_is_never_corrected(request, client, file, action, who):
    beneficiary_anonymise(beneficiary=file.person, reason=AnonymisationReason.ERASURE_REQUEST)
    if action == "referral_create":
        address = reverse("beneficiaries:referral_create", args=[file.person.pk])
        data = {"partner": Partner.PLIE, "channel": "telephone", "proposed_on": "01/02/2025", "token": "x"}
    else:
        address, data = url(file, action), valid_form(file, action)
    client.force_login(request.getfixturevalue(who))
    before = snapshot(file.person)
    for response in (client.get(address), client.post(address, data)):
        assert response.status_code == 403
        assert ANONYMISED_READ_ONLY[:40] in response.content.decode().replace("&#x27;", "'")
    assert snapshot(file.person) == before

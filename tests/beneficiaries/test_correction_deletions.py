"""Deleting never orphans anything: a visit's referrals go with it, after a
confirmation that lists them. Whatever is corrected or deleted, the bilan
(reporting.compute_bilan, over the attendance table kept by the database's
triggers) follows at once."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.enums import CorrectionReason, OutcomeKind, Partner, VisitKind
from beneficiaries.models import Outcome, Referral, Visit
from beneficiaries.services import visit_record
from permanences.models import Venue
from reporting.bilan import compute_bilan

from ..factories import make_permanence
from .corrections import DAY, make_file, url, valid_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(venue, today, counsellor):
    return make_file(venue, today, counsellor)


def referrals_to(bilan, partner: str) -> int:
    return next(row.total for row in bilan.referrals if row.partner == partner)


def test_the_confirmation_lists_the_referrals_that_go_with_the_visit(client, counsellor, file):
    client.force_login(counsellor)
    response = client.get(url(file, "visit_delete"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Les 2 orientations proposées pendant ce rendez-vous seront supprimées avec lui" in html
    assert "PLIE — Action emploi (proposée)" in html
    assert "Mission locale (16–25 ans) (proposée)" in html
    assert "Cap emploi" not in html  # the referral by phone is not the visit's
    assert "Motif de la suppression" in html and "Supprimer définitivement" in html


def test_a_visit_without_referrals_says_so(client, counsellor, file):
    Referral.objects.filter(visit=file.visit).delete()
    client.force_login(counsellor)
    html = client.get(url(file, "visit_delete")).content.decode()
    assert "Aucune orientation n'a été proposée pendant ce rendez-vous." in html


def test_deleting_a_visit_deletes_its_referrals_and_the_bilan_follows_at_once(client, counsellor, file):
    year = file.visit.date.year
    before = compute_bilan(year)
    assert (before.persons, before.appointments, referrals_to(before, Partner.PLIE)) == (1, 1, 1)
    client.force_login(counsellor)

    response = client.post(url(file, "visit_delete"), valid_form(file, "visit_delete"))

    assert response.status_code == 302
    assert not Visit.objects.exists()
    # None left without its visit; the referral by phone, which had none, stays.
    assert list(Referral.objects.values_list("partner", "visit")) == [(Partner.CAP_EMPLOI, None)]
    after = compute_bilan(year)
    assert (after.persons, after.appointments, after.permanences_held) == (0, 0, before.permanences_held)
    assert (referrals_to(after, Partner.PLIE), referrals_to(after, Partner.MISSION_LOCALE)) == (0, 0)
    assert Outcome.objects.count() == 1  # the person's outcome is not the visit's


def test_deleting_a_referral_or_an_outcome_changes_the_bilan_at_once(client, counsellor, file):
    year = file.outcome.start_date.year
    client.force_login(counsellor)
    assert client.post(url(file, "referral_delete"), valid_form(file, "referral_delete")).status_code == 302
    assert referrals_to(compute_bilan(file.visit.date.year), Partner.PLIE) == 0
    assert Visit.objects.filter(pk=file.visit.pk).exists()
    assert compute_bilan(year).outcomes[OutcomeKind.CDI] == 1
    assert client.post(url(file, "outcome_delete"), valid_form(file, "outcome_delete")).status_code == 302
    bilan = compute_bilan(year)
    assert (bilan.outcomes[OutcomeKind.CDI], bilan.persons_with_outcome) == (0, 0)


def test_a_corrected_outcome_counts_as_corrected_at_once(client, counsellor, file):
    client.force_login(counsellor)
    client.post(url(file, "outcome_edit"), valid_form(file, "outcome_edit"))
    outcomes = compute_bilan(file.outcome.start_date.year).outcomes
    assert (outcomes[OutcomeKind.CDI], outcomes[OutcomeKind.CDD]) == (0, 1)


def test_a_visit_moved_to_another_venue_counts_there_at_once(client, counsellor, file, quarter):
    other = Venue.objects.create(name="Centre social Espéranto", quarter=quarter)
    session = make_permanence(other, file.visit.date)
    year = file.visit.date.year
    assert {row.name: row.persons for row in compute_bilan(year).by_venue} == {
        "Centre social Espéranto": 0,
        "Centre social Grand Air": 1,
    }
    client.force_login(counsellor)
    response = client.post(url(file, "visit_edit"), valid_form(file, "visit_edit", permanence=session.pk))
    assert response.status_code == 302
    assert {row.name: row.persons for row in compute_bilan(year).by_venue} == {
        "Centre social Espéranto": 1,
        "Centre social Grand Air": 0,
    }
    # Its referrals go with it.
    assert set(Referral.objects.filter(visit=file.visit).values_list("visit__permanence", flat=True)) == {
        session.pk
    }


def test_a_visit_moved_to_another_day_takes_its_referrals_there(client, counsellor, file, venue):
    earlier = make_permanence(venue, file.visit.date - 2 * DAY, start="14:00", end="17:00")
    client.force_login(counsellor)
    client.post(url(file, "visit_edit"), valid_form(file, "visit_edit", permanence=earlier.pk))
    assert set(Referral.objects.filter(visit=file.visit).values_list("proposed_on", flat=True)) == {
        earlier.date
    }


def test_a_visit_cannot_be_moved_to_a_session_where_the_person_was_already_seen(
    client, counsellor, file, venue
):
    other = make_permanence(venue, file.visit.date - DAY)
    visit_record(beneficiary=file.person, permanence=other, counsellor=counsellor, topics=[])
    client.force_login(counsellor)
    response = client.post(url(file, "visit_edit"), valid_form(file, "visit_edit", permanence=other.pk))
    assert response.status_code == 400
    assert "Cette personne a déjà un rendez-vous dans cette permanence." in response.content.decode()
    assert Visit.objects.get(pk=file.visit.pk).permanence == file.session


def test_when_the_first_visit_is_deleted_the_next_one_becomes_the_first(client, coordinator, file, venue):
    later = visit_record(
        beneficiary=file.person,
        permanence=make_permanence(venue, file.visit.date + DAY),
        counsellor=coordinator,
        topics=[],
    )
    assert (file.visit.kind, later.kind) == (VisitKind.FIRST, VisitKind.FOLLOW_UP)
    client.force_login(coordinator)
    data = valid_form(file, "visit_delete", reason=CorrectionReason.WRONG_FILE)
    assert client.post(url(file, "visit_delete"), data).status_code == 302
    assert Visit.objects.get().kind == VisitKind.FIRST


def test_a_visit_moved_before_the_first_becomes_the_first(client, coordinator, file, venue):
    later = visit_record(
        beneficiary=file.person,
        permanence=make_permanence(venue, file.visit.date + DAY),
        counsellor=coordinator,
        topics=[],
    )
    earlier = make_permanence(venue, file.visit.date - datetime.timedelta(days=3))
    client.force_login(coordinator)
    edit = reverse("beneficiaries:visit_edit", args=[later.pk])
    data = {**valid_form(file, "visit_edit"), "version": later.version, "permanence": earlier.pk}
    assert client.post(edit, data).status_code == 302
    kinds = dict(Visit.objects.values_list("pk", "kind"))
    assert kinds == {later.pk: VisitKind.FIRST, file.visit.pk: VisitKind.FOLLOW_UP}

"""Optimistic locking of corrections: a correction sent from a action read before
someone else saved the row gets the conflict action (status 409) and overwrites
nothing; the page then carries the version saved now."""

import pytest

from beneficiaries import correction_services as corrections
from beneficiaries.enums import CorrectionReason, OutcomeKind, ReferralStatus
from beneficiaries.models import Outcome, Referral, Visit
from beneficiaries.services import referral_set_status

from .corrections import ACTIONS, DELETES, EDITS, make_file, row_of, url, valid_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(venue, today, counsellor):
    return make_file(venue, today, counsellor)


def someone_else_saves(file, action: str, user) -> None:
    """Another user's correction of the action's row, saved while the action was open."""
    row = row_of(file, action)
    reason = CorrectionReason.COMPLETED
    if isinstance(row, Visit):
        corrections.visit_correct(
            visit_id=row.pk,
            expected_version=row.version,
            values={"notes": "Saisie de la coordination"},
            topics=[],
            permanence=row.permanence,
            user=user,
            reason=reason,
        )
    elif isinstance(row, Referral):
        corrections.referral_correct(
            referral_id=row.pk,
            expected_version=row.version,
            values={"detail": "Saisie de la coordination"},
            user=user,
            reason=reason,
        )
    else:
        corrections.outcome_correct(
            outcome_id=row.pk,
            expected_version=row.version,
            values={"employer": "Saisie de la coordination"},
            user=user,
            reason=reason,
        )


@pytest.mark.parametrize("action", ACTIONS)
def test_a_stale_correction_gets_the_conflict_page_and_overwrites_nothing(
    client, counsellor, coordinator, file, action
):
    client.force_login(counsellor)
    assert client.get(url(file, action)).status_code == 200
    typed = valid_form(file, action)  # as the action was read: version 1
    someone_else_saves(file, action, coordinator)
    saved = row_of(file, action)
    as_saved = list(type(saved).objects.filter(pk=saved.pk).values())

    response = client.post(url(file, action), typed)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Quelqu'un a modifié" in html and "Rien n'a été enregistré" in html
    assert list(type(saved).objects.filter(pk=saved.pk).values()) == as_saved
    assert "Saisie de la coordination" in html  # the row as saved now
    assert f'name="version" value="{saved.version}"' in html
    if action in EDITS:
        assert "Votre saisie (non enregistrée)" in html and "Version enregistrée actuelle" in html


@pytest.mark.parametrize("action", DELETES)
def test_a_deletion_sent_again_from_the_conflict_page_goes_through(
    client, counsellor, coordinator, file, action
):
    client.force_login(counsellor)
    stale = valid_form(file, action)
    someone_else_saves(file, action, coordinator)
    assert client.post(url(file, action), stale).status_code == 409
    row = row_of(file, action)
    assert client.post(url(file, action), valid_form(file, action)).status_code == 302
    assert not type(row).objects.filter(pk=row.pk).exists()


def test_a_result_recorded_in_one_click_makes_an_open_correction_stale(client, counsellor, file):
    client.force_login(counsellor)
    typed = valid_form(file, "referral_edit")
    referral_set_status(referral=file.referral, status=ReferralStatus.DONE, user=counsellor)
    assert client.post(url(file, "referral_edit"), typed).status_code == 409
    assert row_of(file, "referral_edit").status == ReferralStatus.DONE


def test_of_two_corrections_from_one_version_only_the_first_is_saved(counsellor, coordinator, file):
    outcome = file.outcome
    corrections.outcome_correct(
        outcome_id=outcome.pk,
        expected_version=1,
        values={"kind": OutcomeKind.FORMATION},
        user=coordinator,
        reason=CorrectionReason.TYPING_ERROR,
    )
    with pytest.raises(corrections.CorrectionConflict) as conflict:
        corrections.outcome_correct(
            outcome_id=outcome.pk,
            expected_version=1,
            values={"kind": OutcomeKind.CDD},
            user=counsellor,
            reason=CorrectionReason.TYPING_ERROR,
        )
    assert conflict.value.current.kind == OutcomeKind.FORMATION
    assert Outcome.objects.get(pk=outcome.pk).kind == OutcomeKind.FORMATION
    with pytest.raises(corrections.CorrectionConflict):
        corrections.outcome_delete(
            outcome_id=outcome.pk, expected_version=1, user=counsellor, reason=CorrectionReason.RECORDED_TWICE
        )
    assert Outcome.objects.filter(pk=outcome.pk).exists()


def test_a_row_deleted_meanwhile_is_said_so(client, counsellor, coordinator, file):
    client.force_login(counsellor)
    typed = valid_form(file, "outcome_edit")
    corrections.outcome_delete(
        outcome_id=file.outcome.pk,
        expected_version=1,
        user=coordinator,
        reason=CorrectionReason.RECORDED_TWICE,
    )
    assert client.post(url(file, "outcome_edit"), typed).status_code == 404
    with pytest.raises(corrections.BeneficiaryError, match="supprimée entre-temps"):
        corrections.outcome_correct(
            outcome_id=file.outcome.pk,
            expected_version=1,
            values={},
            user=counsellor,
            reason=CorrectionReason.TYPING_ERROR,
        )

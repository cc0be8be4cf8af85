"""Corrections of a file's rows: a visit, a referral or an outcome edited or
deleted, with a reason.

Each correction is one transaction that locks the file, then the row, and
refuses (`BeneficiaryError`) what cannot be done: an anonymised file, a row
changed by someone else since the form was read (`CorrectionConflict`:
optimistic locking on the row's `version`), a row deleted meanwhile. The
database triggers record who changed which columns (audit) and keep the
bilan's attendance table equal to the visits; the reason, one of
`CorrectionReason` (never free text, so never a name), is recorded here by an
explicit audit entry beside them.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from audit.enums import AuditAction
from audit.services import audit_record
from permanences.models import Permanence

from .enums import CorrectionReason, ReferralStatus, VisitKind
from .models import Beneficiary, Outcome, Referral, Topic, Visit
from .services import BeneficiaryError, _identified_file, _permanence_held_by, _permanence_open_for_visits

GONE = "Cette ligne a été supprimée entre-temps : rien n'a été enregistré."


class CorrectionConflict(BeneficiaryError):
    """The row changed since the user read it: nothing was saved. `current` is the row now."""

    def __init__(self, current: Visit | Referral | Outcome):
        super().__init__("Cette ligne a été modifiée par quelqu'un d'autre pendant votre saisie.")
        self.current = current


def _locked_row[Row: (Visit, Referral, Outcome)](
    model: type[Row], pk: int, expected_version: int
) -> tuple[Row, Beneficiary]:
    """The row and its file, locked until the transaction ends, in the order
    every writer of a file takes them (the file first): the row must be as the
    user read it (`expected_version`), its file still name a person."""
    beneficiary_id = model.objects.filter(pk=pk).values_list("beneficiary_id", flat=True).first()
    if beneficiary_id is None:
        raise BeneficiaryError(GONE)
    person = _identified_file(beneficiary_id)
    row = model.objects.select_for_update().filter(pk=pk, beneficiary_id=beneficiary_id).first()
    if row is None:
        raise BeneficiaryError(GONE)
    row.beneficiary = person
    if row.version != expected_version:
        raise CorrectionConflict(row)
    return row, person


def _reason_recorded(*, row: Model, person: Beneficiary, user, reason: str, deleted: bool) -> None:
    """The reason, in the file's trail beside the entries the database writes
    for the rows changed or deleted (which say which columns, never a value)."""
    if reason not in CorrectionReason.values:
        raise BeneficiaryError("Motif de correction inconnu : rien n'a été enregistré.")
    what = "Suppression" if deleted else "Correction"
    detail = f"{what} — motif : {CorrectionReason(reason).label}"
    audit_record(action=AuditAction.CORRECTION, user=user, obj=row, file_ref=person.ref, detail=detail)


def _saved(row: Visit | Referral | Outcome, values: dict, user) -> None:
    """Write the corrected values, one more version; a value the database refuses
    is a French message, with nothing saved."""
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = user
    row.version += 1
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise BeneficiaryError(_refusal(row, error)) from None


def _refusal(row: Model, error: IntegrityError) -> str:
    """The French message of the constraint the database names, or a general one."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    for constraint in row._meta.constraints:
        if constraint.name == name:
            return str(constraint.violation_error_message)
    return "La base de données a refusé ces valeurs : rien n'a été enregistré."


@transaction.atomic
def visit_correct(
    *,
    visit_id: int,
    expected_version: int,
    values: dict,
    topics: list[Topic],
    permanence: Permanence,
    user,
    reason: str,
) -> Visit:
    """Correct a visit: its notes, duration, next step, topics and session (a visit
    moved to another session takes its referrals with it; the bilan follows at once)."""
    visit, person = _locked_row(Visit, visit_id, expected_version)
    _reason_recorded(row=visit, person=person, user=user, reason=reason, deleted=False)
    moved = permanence.pk != visit.permanence_id
    if moved:
        permanence = _permanence_open_for_visits(permanence)
        _referrals_follow(visit, permanence.date, user)
        if Visit.objects.filter(beneficiary_id=person.pk, permanence=permanence).exists():
            raise BeneficiaryError("Cette personne a déjà un rendez-vous dans cette permanence.")
        values = {**values, "permanence": permanence}
        if visit.counsellor_id is not None:
            _permanence_held_by(permanence, visit.counsellor)
    _saved(visit, values, user)
    visit.topics.set(topics)
    if moved:
        _first_visit_marked(person.pk, was_first=visit.kind == VisitKind.FIRST, user=user)
    return visit


def _referrals_follow(visit: Visit, day: datetime.date, user) -> None:
    """A moved visit's referrals are proposed on its new day; none may then have
    been checked before it."""
    referrals = Referral.objects.filter(visit=visit)
    if referrals.filter(checked_on__lt=day).exists():
        raise BeneficiaryError(
            "Une orientation de ce rendez-vous a une suite vérifiée avant la nouvelle date : "
            "corrigez d'abord cette orientation."
        )
    referrals.exclude(proposed_on=day).update(
        proposed_on=day, updated_by=user, updated_at=timezone.now(), version=F("version") + 1
    )


def _first_visit_marked(person_id: int, *, was_first: bool, user) -> None:
    """Only a person's first visit is a "premier accueil" (as after a merge): when
    the one marked is deleted or moved, or another is moved before it, the first
    visit left is marked, and no other. A file none of whose visits is marked
    (a person seen before the files began, imported so) stays so."""
    visits = Visit.objects.filter(beneficiary_id=person_id)
    if not was_first and not visits.filter(kind=VisitKind.FIRST).exists():
        return
    first = visits.order_by("date", "created_at", "pk").first()
    if first is None:
        return
    stamps = {"updated_by": user, "updated_at": timezone.now(), "version": F("version") + 1}
    visits.filter(kind=VisitKind.FIRST).exclude(pk=first.pk).update(kind=VisitKind.FOLLOW_UP, **stamps)
    visits.filter(pk=first.pk).exclude(kind=VisitKind.FIRST).update(kind=VisitKind.FIRST, **stamps)


@transaction.atomic
def visit_delete(*, visit_id: int, expected_version: int, user, reason: str) -> Beneficiary:
    """Delete a visit with its referrals (never left without their visit) and topics."""
    visit, person = _locked_row(Visit, visit_id, expected_version)
    _reason_recorded(row=visit, person=person, user=user, reason=reason, deleted=True)
    visit.delete()
    _first_visit_marked(person.pk, was_first=visit.kind == VisitKind.FIRST, user=user)
    return person


@transaction.atomic
def referral_correct(*, referral_id: int, expected_version: int, values: dict, user, reason: str) -> Referral:
    """Correct a referral: partner, detail, result and, outside a visit, its channel and day."""
    referral, person = _locked_row(Referral, referral_id, expected_version)
    _reason_recorded(row=referral, person=person, user=user, reason=reason, deleted=False)
    if referral.visit_id is not None:
        # A visit's referral is proposed on the visit's day, without a channel of its own.
        values = {**values, "proposed_on": referral.proposed_on, "channel": ""}
    if values.get("status", referral.status) == ReferralStatus.PROPOSED:
        values = {**values, "checked_on": None}
    _saved(referral, values, user)
    return referral


@transaction.atomic
def referral_delete(*, referral_id: int, expected_version: int, user, reason: str) -> Beneficiary:
    referral, person = _locked_row(Referral, referral_id, expected_version)
    _reason_recorded(row=referral, person=person, user=user, reason=reason, deleted=True)
    referral.delete()
    return person


@transaction.atomic
def outcome_correct(*, outcome_id: int, expected_version: int, values: dict, user, reason: str) -> Outcome:
    outcome, person = _locked_row(Outcome, outcome_id, expected_version)
    _reason_recorded(row=outcome, person=person, user=user, reason=reason, deleted=False)
    _saved(outcome, values, user)
    return outcome


@transaction.atomic
def outcome_delete(*, outcome_id: int, expected_version: int, user, reason: str) -> Beneficiary:
    outcome, person = _locked_row(Outcome, outcome_id, expected_version)
    _reason_recorded(row=outcome, person=person, user=user, reason=reason, deleted=True)
    outcome.delete()
    return person

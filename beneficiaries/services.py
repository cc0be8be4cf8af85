"""Writes on case files. Each is one transaction; a refusal is a
`BeneficiaryError` whose message the view shows to the user."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.enums import AuditAction
from audit.services import audit_record
from core.enums import Role
from core.roles import has_role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from .ages import generalised_birth_date
from .enums import AnonymisationReason, ReferralStatus, TriState, VisitKind
from .models import (
    ANONYMISED_READ_ONLY,
    Appointment,
    Beneficiary,
    Outcome,
    Referral,
    Topic,
    Visit,
)
from .normalise import normalise_phone, search_key
from .signals import file_anonymised


class BeneficiaryError(Exception):
    """A write refused for a reason the user can act on."""


def _identified_file(beneficiary_id: int) -> Beneficiary:
    """The file, locked until the transaction ends (an anonymisation waits for
    it), refused if it was anonymised: nothing is ever written to such a file."""
    person = Beneficiary.objects.select_for_update().get(pk=beneficiary_id)
    if person.anonymised_at is not None:
        raise BeneficiaryError(ANONYMISED_READ_ONLY)
    return person


NOT_A_COUNSELLOR = (
    "Seul un compte du rôle conseiller peut être référent·e d'un dossier : choisissez un conseiller "
    "ou une conseillère."
)


def check_referent(referent) -> None:
    """A file's referent is an active counsellor (or nobody)."""
    if referent is not None and not has_role(referent, Role.CONSEILLER):
        raise BeneficiaryError(NOT_A_COUNSELLOR)


class EditConflict(BeneficiaryError):
    """The file changed since the user opened it: nothing was saved."""

    def __init__(self, current: Beneficiary):
        super().__init__("Ce dossier a été modifié par quelqu'un d'autre pendant votre saisie.")
        self.current = current


class VisitAlreadyRecorded(BeneficiaryError):
    def __init__(self, visit: Visit):
        super().__init__("Ce rendez-vous est déjà enregistré.")
        self.visit = visit


def beneficiary_read(*, beneficiary: Beneficiary, user) -> None:
    """Record that `user` was shown this file (the audit trail's reads)."""
    audit_record(action=AuditAction.VIEW, user=user, obj=beneficiary)


def file_row_read(*, row, user) -> None:
    """Record that `user` was shown one row of a file (a visit, a referral, an outcome, a
    message…: a model with `audit_file_ref()`), with the person's name (admin pages)."""
    audit_record(action=AuditAction.VIEW, user=user, obj=row)


def files_listed(*, what: str, count: int, user, obj=None) -> None:
    """Record that `user` was shown a list of `count` files — how many, never which."""
    shown = f"{count} dossier affiché" if count < 2 else f"{count} dossiers affichés"
    audit_record(action=AuditAction.LIST, user=user, obj=obj, detail=f"{what} : {shown}")


def beneficiary_create(*, data: dict, user) -> Beneficiary:
    return Beneficiary.objects.create(**data, created_by=user, updated_by=user)


@transaction.atomic
def beneficiary_update(*, beneficiary_id: int, expected_version: int, data: dict, user) -> Beneficiary:
    """Save the file only if nobody saved it since `expected_version` was read.

    The check and the write are one UPDATE … WHERE version = expected, so two
    counsellors saving at the same time cannot both succeed. A referent, when
    given, is a counsellor.
    """
    check_referent(data.get("referent"))
    values = {
        **data,
        "phone": normalise_phone(data.get("phone", "")),
        "search_key": search_key(data["last_name"], data["first_name"]),
        "updated_by": user,
        "updated_at": timezone.now(),
        "version": F("version") + 1,
    }
    # The base manager's update(): the key is computed above, once.
    updated = Beneficiary._base_manager.filter(
        pk=beneficiary_id, version=expected_version, anonymised_at__isnull=True
    ).update(**values)
    current = Beneficiary.objects.select_related("quarter", "referent").get(pk=beneficiary_id)
    if not updated:
        if current.anonymised_at is not None:
            raise BeneficiaryError(ANONYMISED_READ_ONLY)
        raise EditConflict(current)
    return current


def beneficiary_notice_given(*, beneficiary: Beneficiary, user) -> None:
    updated = Beneficiary._base_manager.filter(pk=beneficiary.pk, anonymised_at__isnull=True).update(
        notice_given_on=timezone.localdate(),
        updated_by=user,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    if not updated:
        raise BeneficiaryError(ANONYMISED_READ_ONLY)


@transaction.atomic
def visit_record(
    *,
    beneficiary: Beneficiary,
    permanence: Permanence,
    counsellor,
    topics: list[Topic],
    notes: str = "",
    duration_minutes: int | None = None,
    referrals: list[tuple[str, str]] = (),
    next_step: str = "",
    next_step_due: datetime.date | None = None,
) -> Visit:
    """Log a walk-in visit, with the referrals made during it.

    Holding the visit marks a planned session as held and adds the counsellor
    to it. The person's first visit ever is a "premier accueil".
    """
    _identified_file(beneficiary.pk)
    permanence = _permanence_open_for_visits(permanence)
    existing = Visit.objects.filter(beneficiary=beneficiary, permanence=permanence).first()
    if existing is not None:
        raise VisitAlreadyRecorded(existing)
    seen_before = Visit.objects.filter(beneficiary=beneficiary, date__lt=permanence.date).exists()
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                beneficiary=beneficiary,
                permanence=permanence,
                counsellor=counsellor,
                kind=VisitKind.FOLLOW_UP if seen_before else VisitKind.FIRST,
                notes=notes,
                duration_minutes=duration_minutes,
                next_step=next_step,
                next_step_due=next_step_due,
                created_by=counsellor,
                updated_by=counsellor,
            )
    except IntegrityError:
        # Recorded by a concurrent request (double click) between the check and here.
        raise VisitAlreadyRecorded(
            Visit.objects.get(beneficiary=beneficiary, permanence=permanence)
        ) from None
    visit.topics.set(topics)
    Referral.objects.bulk_create(
        Referral(
            beneficiary=beneficiary,
            visit=visit,
            partner=partner,
            detail=detail,
            proposed_on=permanence.date,
            created_by=counsellor,
            updated_by=counsellor,
        )
        for partner, detail in referrals
    )
    _permanence_held_by(permanence, counsellor)
    return visit


def _permanence_open_for_visits(permanence: Permanence) -> Permanence:
    """The session, locked until the transaction ends, if visits may be logged there."""
    permanence = Permanence.objects.select_for_update().get(pk=permanence.pk)
    if permanence.status == PermanenceStatus.CANCELLED:
        raise BeneficiaryError("Cette permanence est annulée : aucun rendez-vous ne peut y être noté.")
    if permanence.date > timezone.localdate():
        raise BeneficiaryError("Cette permanence est à venir : le rendez-vous ne peut pas encore être noté.")
    return permanence


def _permanence_held_by(permanence: Permanence, counsellor) -> None:
    if permanence.status == PermanenceStatus.PLANNED:
        permanence.status = PermanenceStatus.HELD
        permanence.save(update_fields=["status", "updated_at"])
    permanence.counsellors.add(counsellor)


@transaction.atomic
def referral_set_status(*, referral: Referral, status: str, user) -> Referral:
    """Record what came of a referral (done, or not taken up), checked today."""
    if status not in (ReferralStatus.DONE, ReferralStatus.NOT_TAKEN_UP):
        raise BeneficiaryError("Suite inconnue.")
    _identified_file(referral.beneficiary_id)
    referral.status = status
    referral.checked_on = max(timezone.localdate(), referral.proposed_on)
    referral.updated_by = user
    referral.version = F("version") + 1
    referral.save(update_fields=["status", "checked_on", "updated_by", "updated_at", "version"])
    return referral


@transaction.atomic
def next_step_done(*, visit: Visit, user) -> Visit:
    _identified_file(visit.beneficiary_id)
    if not visit.next_step:
        raise BeneficiaryError("Ce rendez-vous n'a pas de prochaine étape.")
    visit.next_step_done_on = timezone.localdate()
    visit.updated_by = user
    visit.version = F("version") + 1
    visit.save(update_fields=["next_step_done_on", "updated_by", "updated_at", "version"])
    return visit


@transaction.atomic
def outcome_record(*, beneficiary: Beneficiary, data: dict, user) -> Outcome:
    _identified_file(beneficiary.pk)
    return Outcome.objects.create(beneficiary=beneficiary, **data, created_by=user, updated_by=user)


@transaction.atomic
def referral_record(*, beneficiary: Beneficiary, data: dict, user) -> Referral:
    """A referral proposed outside a visit (by phone, by e-mail…): `data` gives
    its partner, detail, channel and day."""
    _identified_file(beneficiary.pk)
    return Referral.objects.create(beneficiary=beneficiary, **data, created_by=user, updated_by=user)


ANONYMOUS = "Anonyme"


@transaction.atomic
def beneficiary_anonymise(*, beneficiary: Beneficiary, reason: str, user=None) -> Beneficiary:
    """Remove every identifying value of a file; keep what past bilans count.

    Names, phone, e-mail, status flags, qualification and referent go; the birth date is
    made coarser while keeping the age bands of every visit; visits, referrals
    and outcomes stay with their dates, kinds and venues, without free text.
    """
    if beneficiary.anonymised_at is not None:
        raise BeneficiaryError("Ce dossier est déjà anonymisé.")
    if reason not in AnonymisationReason.values:
        raise BeneficiaryError("Motif d'anonymisation inconnu.")
    visit_dates = list(beneficiary.visits.values_list("date", flat=True))
    birth_date = beneficiary.birth_date and generalised_birth_date(beneficiary.birth_date, visit_dates)
    Beneficiary._base_manager.filter(pk=beneficiary.pk).update(
        last_name=ANONYMOUS,
        first_name=ANONYMOUS,
        search_key=search_key(ANONYMOUS, ANONYMOUS),
        phone="",
        email="",
        birth_date=birth_date,
        france_travail=TriState.UNKNOWN,
        rsa=TriState.UNKNOWN,
        rqth=TriState.UNKNOWN,
        qualification_level="",
        notice_given_on=None,
        referent=None,
        sms_consent_at=None,
        sms_consent_by=None,
        email_consent_at=None,
        email_consent_by=None,
        anonymised_at=timezone.now(),
        updated_by=user,
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    # Free texts may name the person or a relative: they go too.
    Visit.objects.filter(beneficiary=beneficiary).update(notes="", next_step="", next_step_due=None)
    Referral.objects.filter(beneficiary=beneficiary).update(detail="")
    Outcome.objects.filter(beneficiary=beneficiary).update(employer="")
    Appointment.objects.filter(beneficiary=beneficiary).update(purpose="")
    beneficiary.refresh_from_db()
    # Its queued messages are cancelled and every message's text emptied (messaging/).
    file_anonymised.send(sender=Beneficiary, beneficiary=beneficiary)
    audit_record(action=AuditAction.ANONYMISE, user=user, obj=beneficiary, detail=reason)
    return beneficiary


def beneficiaries_anonymise_inactive(*, today: datetime.date, retention_days: int, user=None) -> list[str]:
    """Anonymise every file with no contact for `retention_days`; return their refs."""
    cutoff = today - datetime.timedelta(days=retention_days)
    refs = []
    for person in Beneficiary.objects.inactive_since(cutoff).order_by("pk"):
        beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.RETENTION, user=user)
        refs.append(person.ref)
    return refs

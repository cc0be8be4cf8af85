"""Writes on collective workshops: create and change one, register a person (from
their file, or at the door), take a registration back, mark attendance.

Capacity: a workshop has `capacity` places. A registration beyond them goes on
the waiting list, in the order registrations come; freeing a place (a
registration taken back, the capacity raised) gives it to the first on the
list at once. Every write that counts places locks the workshop's row until
its transaction ends, so that two registrations at the same moment cannot
both take the last place. Each function is one transaction; a refusal is a
`BeneficiaryError` whose message the view shows.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from .models import ANONYMISED_READ_ONLY, Beneficiary, Workshop, WorkshopRegistration
from .services import BeneficiaryError, _identified_file
from .signals import workshop_cancelled

CANCELLED = "Cet atelier est annulé : on ne peut plus s'y inscrire ni y noter de présence."
COMING = "Cet atelier est à venir : les présences se notent le jour même ou après."


class AlreadyRegistered(BeneficiaryError):
    def __init__(self, registration: WorkshopRegistration, message: str):
        super().__init__(message)
        self.registration = registration


def _locked(workshop: Workshop) -> Workshop:
    """The workshop, locked until the transaction ends: places are counted one writer at a time."""
    return Workshop.objects.select_for_update().select_related("venue", "theme").get(pk=workshop.pk)


def _places_taken(workshop: Workshop) -> int:
    return workshop.registrations.with_place().count()


def _promote(workshop: Workshop, *, user) -> list[WorkshopRegistration]:
    """Give the free places to the first on the waiting list (workshop locked)."""
    free = workshop.capacity - _places_taken(workshop)
    if free <= 0 or workshop.is_cancelled:
        return []
    promoted = list(workshop.registrations.waiting().select_related("beneficiary")[:free])
    WorkshopRegistration.objects.filter(pk__in=[r.pk for r in promoted]).update(
        status=RegistrationStatus.REGISTERED, updated_by=user, updated_at=timezone.now()
    )
    return promoted


@transaction.atomic
def registrations_promote(*, workshop: Workshop, user) -> list[WorkshopRegistration]:
    """Give a workshop's free places to the first on its waiting list (after a
    write elsewhere freed one: a merge of two files both registered)."""
    return _promote(_locked(workshop), user=user)


SAME_START = "Un atelier commence déjà à cette heure dans ce lieu ce jour-là."


@transaction.atomic
def workshop_create(*, data: dict, user) -> Workshop:
    try:
        with transaction.atomic():
            return Workshop.objects.create(**data, created_by=user, updated_by=user)
    except IntegrityError:
        # Created by a concurrent request between the form's check and here.
        raise BeneficiaryError(SAME_START) from None


@transaction.atomic
def workshop_update(*, workshop: Workshop, data: dict, user) -> list[WorkshopRegistration]:
    """Change a workshop; return the registrations a larger capacity took off the waiting list.

    The capacity cannot go below the places already taken; a workshop whose
    attendance has been marked cannot be cancelled, nor moved to a coming day.
    """
    workshop = _locked(workshop)
    taken = _places_taken(workshop)
    if data["capacity"] < taken:
        raise BeneficiaryError(
            f"{taken} personnes ont déjà une place : la capacité ne peut pas être inférieure. "
            "Désinscrivez d'abord qui ne viendra pas."
        )
    marked = workshop.registrations.exclude(attendance=AttendanceMark.NOT_MARKED).exists()
    if marked and data.get("status") == WorkshopStatus.CANCELLED:
        raise BeneficiaryError(
            "Des présences sont notées : cet atelier a eu lieu, il ne peut pas être annulé."
        )
    if marked and data["date"] > timezone.localdate():
        raise BeneficiaryError(
            "Des présences sont notées : l'atelier ne peut pas être déplacé à une date à venir."
        )
    was_cancelled = workshop.is_cancelled
    for name, value in data.items():
        setattr(workshop, name, value)
    workshop.updated_by = user
    try:
        with transaction.atomic():
            workshop.save()
    except IntegrityError:
        raise BeneficiaryError(SAME_START) from None
    if workshop.is_cancelled and not was_cancelled:
        # The persons with a place are told (messaging/), in this transaction.
        workshop_cancelled.send(sender=Workshop, workshop=workshop)
    return _promote(workshop, user=user)


@transaction.atomic
def registration_add(
    *, workshop: Workshop, beneficiary: Beneficiary, user, present: bool = False
) -> WorkshopRegistration:
    """Register a person: a place while there is one, else the waiting list.

    `present`: added at the door, the person is also marked present (a
    registration already there is marked present if it has a place). Never
    for an anonymised file, a cancelled workshop, or attendance of a coming one.
    """
    _identified_file(beneficiary.pk)
    workshop = _locked(workshop)
    if workshop.is_cancelled:
        raise BeneficiaryError(CANCELLED)
    if present and workshop.date > timezone.localdate():
        raise BeneficiaryError(COMING)
    existing = workshop.registrations.filter(beneficiary=beneficiary).first()
    if existing is not None:
        return _registered_again(existing, present=present, user=user)
    has_place = _places_taken(workshop) < workshop.capacity
    return WorkshopRegistration.objects.create(
        workshop=workshop,
        beneficiary=beneficiary,
        status=RegistrationStatus.REGISTERED if has_place else RegistrationStatus.WAITING,
        attendance=AttendanceMark.PRESENT if present and has_place else AttendanceMark.NOT_MARKED,
        created_by=user,
        updated_by=user,
    )


def _registered_again(registration: WorkshopRegistration, *, present: bool, user) -> WorkshopRegistration:
    if not present:
        raise AlreadyRegistered(registration, "Cette personne est déjà inscrite à cet atelier.")
    if not registration.has_place:
        raise AlreadyRegistered(
            registration,
            "Cette personne est sur la liste d'attente et l'atelier est complet : "
            "sa présence ne peut pas être notée.",
        )
    registration.attendance = AttendanceMark.PRESENT
    registration.updated_by = user
    registration.save(update_fields=["attendance", "updated_by", "updated_at"])
    return registration


@transaction.atomic
def registration_remove(*, registration: WorkshopRegistration, user) -> list[WorkshopRegistration]:
    """Take a registration back; its place goes to the first on the waiting list
    (returned, with anyone else a free place was waiting for)."""
    _identified_file(registration.beneficiary_id)
    workshop = _locked(registration.workshop)
    registration.delete()
    return _promote(workshop, user=user)


@transaction.atomic
def attendance_mark(*, workshop: Workshop, marks: dict[int, str], user) -> int:
    """Record who came (`marks`: registration pk -> AttendanceMark); return how many changed.

    Only for a workshop of today or before, not cancelled, and for persons with a
    place; an anonymised file's attendance stays as it is.
    """
    workshop = _locked(workshop)
    if workshop.is_cancelled:
        raise BeneficiaryError(CANCELLED)
    if workshop.date > timezone.localdate():
        raise BeneficiaryError(COMING)
    changed: dict[str, list[int]] = {}
    registrations = workshop.registrations.filter(pk__in=marks).select_related("beneficiary")
    for registration in registrations:
        mark = marks[registration.pk]
        if mark == registration.attendance:
            continue
        if mark not in AttendanceMark.values:
            raise BeneficiaryError("Présence inconnue : présent·e, absent·e ou excusé·e.")
        if not registration.has_place:
            raise BeneficiaryError(
                f"{registration.beneficiary.first_name} {registration.beneficiary.last_name} est sur la "
                "liste d'attente : sa présence ne se note pas."
            )
        if registration.beneficiary.anonymised_at is not None:
            raise BeneficiaryError(ANONYMISED_READ_ONLY)
        changed.setdefault(mark, []).append(registration.pk)
    for mark, pks in changed.items():
        WorkshopRegistration.objects.filter(pk__in=pks).update(
            attendance=mark, updated_by=user, updated_at=timezone.now()
        )
    return sum(map(len, changed.values()))

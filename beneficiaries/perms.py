"""Who may do what with case files, and the lookups every view goes through.

Counsellors and coordination see every case file of the service (one file
across venues); the city (`ville`) never sees a name, a file or a row about one
person. Each view checks the role with a `require_…` helper (a 403) and reads
the objects it acts on with a `get_…_for_user` helper, which scopes what may
be acted on (a 404 otherwise). An anonymised file, and the visits, referrals
and outcomes of one, can be read but never changed: acting on one is refused
with a French explanation (a 403), and the services refuse it too.

A visit, referral or outcome is corrected or deleted by the counsellor who
recorded it, for CORRECTION_WINDOW_DAYS after recording it, and by
coordination at any time (`can_correct`).
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.enums import Role
from core.roles import Refused, has_role, is_admin, require, users_with_role
from permanences.models import Permanence

from .models import (
    ANONYMISED_READ_ONLY,
    Appointment,
    Beneficiary,
    ImportJob,
    ImportUpload,
    Outcome,
    Referral,
    Visit,
    Workshop,
    WorkshopRegistration,
)


def can_view_files(user) -> bool:
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def can_edit_files(user) -> bool:
    """Create and edit files, log visits, referrals, outcomes, next steps."""
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def can_manage_workshops(user) -> bool:
    """Create workshops, register persons, mark attendance: counsellors and coordination
    alike (a counsellor often runs the workshop). The city sees only the bilan's aggregates."""
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def can_manage_files(user) -> bool:
    """Nominative exports, import, merging duplicates, RGPD requests."""
    return has_role(user, Role.COORDINATION)


def can_have_caseload(user) -> bool:
    """Be the referent of files, and see one's own caseload (Mes personnes): counsellors.
    Every counsellor still finds and opens every file: walk-ins meet whoever is on duty."""
    return has_role(user, Role.CONSEILLER)


def can_read_register(user) -> bool:
    """The register of processing: for coordination and the installation's admins (the DPO)."""
    return can_manage_files(user) or is_admin(user)


def can_correct(user, row: Visit | Referral | Outcome) -> bool:
    """Correct or delete this row: coordination always; a counsellor, a row they
    recorded less than CORRECTION_WINDOW_DAYS ago. (Whether its file is
    anonymised is checked apart: `refuse_if_anonymised`.)"""
    if can_manage_files(user):
        return True
    if not has_role(user, Role.CONSEILLER) or row.created_by_id != user.pk:
        return False
    return timezone.now() - row.created_at < datetime.timedelta(days=settings.CORRECTION_WINDOW_DAYS)


CORRECTION_REFUSED = (
    "Vous ne pouvez corriger ou supprimer que ce que vous avez vous-même noté, dans les {days} jours "
    "qui suivent : demandez-le à la coordination."
)


def require_correct(request, row: Visit | Referral | Outcome) -> None:
    if not can_correct(request.user, row):
        raise Refused(CORRECTION_REFUSED.format(days=settings.CORRECTION_WINDOW_DAYS))


def require_view_files(request) -> None:
    require(can_view_files(request.user))


def require_edit_files(request) -> None:
    require(can_edit_files(request.user))


def require_manage_workshops(request) -> None:
    require(can_manage_workshops(request.user))


def require_manage_files(request) -> None:
    require(can_manage_files(request.user))


def require_caseload(request) -> None:
    require(can_have_caseload(request.user))


def require_read_register(request) -> None:
    require(can_read_register(request.user))


def get_beneficiary_for_user(request, pk: int, *, edit: bool = False, manage: bool = False) -> Beneficiary:
    """The file, for a role that may see it; `edit`: change it (never an
    anonymised one); `manage`: its RGPD pages and trail (coordination)."""
    if manage:
        require_manage_files(request)
    elif edit:
        require_edit_files(request)
    else:
        require_view_files(request)
    person = get_object_or_404(
        Beneficiary.objects.select_related("quarter", "referent", "sms_consent_by", "email_consent_by"), pk=pk
    )
    if edit:
        refuse_if_anonymised(person)
    return person


def refuse_if_anonymised(person: Beneficiary) -> None:
    if person.anonymised_at is not None:
        raise Refused(ANONYMISED_READ_ONLY)


def get_caseload_owner_for_user(request, pk: int):
    """The account whose caseload coordination moves: a counsellor, or an account still
    referent of files (a counsellor who left, whose files are to be moved); a 404 otherwise."""
    require_manage_files(request)
    holders = Q(pk__in=users_with_role(Role.CONSEILLER).values("pk")) | Q(
        pk__in=Beneficiary.objects.identified().filter(referent__isnull=False).values("referent")
    )
    return get_object_or_404(get_user_model().objects.filter(holders), pk=pk)


def get_visit_for_user(request, pk: int) -> Visit:
    """A visit to act on (next step done): its file must still name a person."""
    require_edit_files(request)
    visit = get_object_or_404(Visit.objects.select_related("beneficiary"), pk=pk)
    refuse_if_anonymised(visit.beneficiary)
    return visit


def get_referral_for_user(request, pk: int) -> Referral:
    """A referral to record the result of: its file must still name a person."""
    require_edit_files(request)
    referral = get_object_or_404(Referral.objects.select_related("beneficiary"), pk=pk)
    refuse_if_anonymised(referral.beneficiary)
    return referral


def get_appointment_for_user(request, pk: int) -> Appointment:
    """A follow-up appointment to cancel: its file must still name a person."""
    require_edit_files(request)
    appointment = get_object_or_404(
        Appointment.objects.select_related("beneficiary", "permanence__venue"), pk=pk
    )
    refuse_if_anonymised(appointment.beneficiary)
    return appointment


def get_outcome_for_user(request, person: Beneficiary, pk: int) -> Outcome:
    """An outcome of `person`'s file (already read with `edit`)."""
    require_edit_files(request)
    return get_object_or_404(Outcome, pk=pk, beneficiary=person)


def get_visit_to_correct(request, pk: int) -> Visit:
    """A visit to correct or delete, with what its pages show: refused past the
    window, to another counsellor, on an anonymised file."""
    require_edit_files(request)
    visit = get_object_or_404(
        Visit.objects.select_related("beneficiary", "permanence__venue", "counsellor").prefetch_related(
            "topics", "referrals"
        ),
        pk=pk,
    )
    refuse_if_anonymised(visit.beneficiary)
    require_correct(request, visit)
    return visit


def get_referral_to_correct(request, pk: int) -> Referral:
    """A referral to correct or delete (same rules as a visit)."""
    require_edit_files(request)
    referral = get_object_or_404(Referral.objects.select_related("beneficiary", "visit"), pk=pk)
    refuse_if_anonymised(referral.beneficiary)
    require_correct(request, referral)
    return referral


def get_outcome_to_correct(request, person: Beneficiary, pk: int) -> Outcome:
    """An outcome of `person`'s file (already read with `edit`) to correct or delete."""
    outcome = get_outcome_for_user(request, person, pk)
    require_correct(request, outcome)
    return outcome


def get_desk_permanence_for_user(request, pk: int) -> Permanence:
    """The session whose desk logs visits."""
    require_edit_files(request)
    return get_object_or_404(Permanence.objects.select_related("venue__quarter"), pk=pk)


def get_upload_for_user(request, pk) -> ImportUpload:
    """The user's own pending upload; another user's, or an expired one, is a 404."""
    require_manage_files(request)
    return get_object_or_404(ImportUpload.objects.alive(), pk=pk, user=request.user)


def get_import_job_for_user(request, pk) -> ImportJob:
    """The user's own import job (a preview or an import of their files); another
    user's, or an expired one, is a 404."""
    require_manage_files(request)
    return get_object_or_404(ImportJob.objects.alive(), pk=pk, user=request.user)


def get_workshop_for_user(request, pk) -> Workshop:
    """A workshop to show or act on (its registrations are read by the view)."""
    require_manage_workshops(request)
    return get_object_or_404(Workshop.objects.select_related("theme", "venue", "facilitator"), pk=pk)


def get_registration_for_user(request, pk: int) -> WorkshopRegistration:
    """A registration to take back: its file must still name a person."""
    require_manage_workshops(request)
    registration = get_object_or_404(
        WorkshopRegistration.objects.select_related("beneficiary", "workshop"), pk=pk
    )
    refuse_if_anonymised(registration.beneficiary)
    return registration

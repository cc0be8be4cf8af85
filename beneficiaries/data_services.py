"""Writes of coordination's data work: import (preview, then all or nothing),
nominative export, merge of two files of one person, pairs checked as two persons.
Each is one transaction; a refusal is a `BeneficiaryError`."""

import uuid

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.enums import AuditAction
from audit.services import audit_record
from core.db import analyze
from permanences.models import Permanence

from .enums import AttendanceMark, ExportFormat, ImportAction, ImportJobState, ReferralStatus, Sex, VisitKind
from .exports import ExportFile, export_file
from .imports import COLUMNS, Decisions, ImportPlan, ImportProgress, ImportSource, plan_import, write_plan
from .models import (
    NOTES_MAX_LENGTH,
    Appointment,
    Beneficiary,
    BeneficiaryMerge,
    DistinctPair,
    ImportJob,
    ImportUpload,
    NominativeExport,
    Outcome,
    Referral,
    Visit,
    WorkshopRegistration,
)
from .services import BeneficiaryError
from .signals import files_merged
from .workshop_services import registrations_promote


@transaction.atomic
def activity_import(
    *,
    sources: dict[str, ImportSource],
    user,
    dry_run: bool = False,
    decisions: Decisions | None = None,
    progress: ImportProgress | None = None,
) -> ImportPlan:
    """Check the files and, unless `dry_run`, write them: all or nothing; `progress`
    counts the rows read, compared and written.

    The plan lists every problem; when there is one, or when a person of the
    files looks like a stored file and `decisions` do not say who they are
    (`plan.undecided`), nothing is written. One import at a time (a
    PostgreSQL advisory lock), so that two imports of the same files cannot
    both create the same rows.
    """
    if not dry_run and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('beneficiaries.activity_import'))")
    plan = plan_import(sources, lock=not dry_run, decisions=decisions, progress=progress)
    if not plan.ready or dry_run:
        return plan
    try:
        with transaction.atomic():
            write_plan(plan, user=user, progress=progress)
            # An import can multiply the rows of its tables: fresh statistics for the next reads.
            analyze(Permanence, Beneficiary, Visit, Referral, Outcome)
    except (IntegrityError, DataError):
        raise BeneficiaryError(
            "La base de données a refusé l'import (des dossiers ont sans doute été modifiés pendant "
            "l'import) : rien n'a été enregistré. Relancez l'aperçu."
        ) from None
    audit_record(action=AuditAction.IMPORT, user=user, detail=", ".join(sorted(sources)))
    return plan


class ImportRefused(BeneficiaryError):
    """The files have problems (perhaps new ones, if the database changed since the
    preview), or persons that look like stored files still wait for a decision."""

    def __init__(self, plan: ImportPlan):
        if plan.problems:
            message = f"{len(plan.problems)} problème(s) : rien n'a été importé."
        else:
            message = (
                f"{len(plan.undecided)} personne(s) ressemblent à des dossiers existants : choisissez pour "
                "chacune « nouvelle personne » ou le dossier qui est le sien. Rien n'a été importé."
            )
        super().__init__(message)
        self.plan = plan


@transaction.atomic
def import_confirm(
    *,
    upload: ImportUpload,
    user,
    decisions: Decisions | None = None,
    progress: ImportProgress | None = None,
) -> ImportPlan:
    """Import the files of a previewed upload, then forget them."""
    plan = activity_import(
        sources=import_upload_sources(upload), user=user, decisions=decisions, progress=progress
    )
    if not plan.ready:
        raise ImportRefused(plan)
    upload.delete()
    return plan


@transaction.atomic
def import_upload_save(*, user, files: dict[str, tuple[str, bytes]], rows: int = 0) -> ImportUpload:
    """Keep uploaded files until the user confirms the import; forget the user's previous
    upload and every expired one, with their jobs. `rows`: their data rows, measured."""
    imports_purge()
    ImportUpload.objects.filter(user=user).delete()
    ImportJob.objects.filter(user=user).delete()
    fields = {}
    for kind, (name, data) in files.items():
        fields[f"{kind}_name"], fields[f"{kind}_data"] = name[:255], data
    return ImportUpload.objects.create(id=uuid.uuid4(), user=user, rows=rows, **fields)


@transaction.atomic
def imports_purge() -> tuple[int, int]:
    """Delete the uploads and the jobs older than `ImportUpload.LIFETIME`: files and
    previews hold personal data. Never a job still running, nor the files it reads.
    Returns (uploads, jobs) deleted."""
    working = ImportJob.objects.working().values("upload_key")
    uploads, _ = ImportUpload.objects.expired().exclude(pk__in=working).delete()
    jobs, _ = ImportJob.objects.expired().not_working().delete()
    return uploads, jobs


@transaction.atomic
def import_upload_cancel(*, upload: ImportUpload) -> None:
    """Forget uploaded files and their jobs, a confirmed import still waiting for the
    worker included; refused once the worker runs the import (it would be written all
    the same). The jobs are locked first: a worker claiming one meanwhile (it claims
    only a job still waiting, `import_job_run`) waits, then finds it gone; a job it
    claimed before is seen running."""
    jobs = list(ImportJob.objects.select_for_update().filter(upload_key=upload.pk))
    if any(
        job.action == ImportAction.IMPORT and job.state == ImportJobState.RUNNING and not job.stalled
        for job in jobs
    ):
        raise BeneficiaryError("L'import de ces fichiers est en cours : il ne peut plus être annulé.")
    ImportJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()
    upload.delete()


def import_upload_sources(upload: ImportUpload) -> dict[str, ImportSource]:
    sources = {}
    for kind in COLUMNS:
        data = getattr(upload, f"{kind}_data")
        if data is not None:
            sources[kind] = ImportSource(getattr(upload, f"{kind}_name"), bytes(data))
    return sources


@transaction.atomic
def nominative_export(*, content: str, user, fmt: str = ExportFormat.CSV) -> ExportFile:
    """Build a nominative export and record who took it (no personal data in the record)."""
    file = export_file(content, today=timezone.localdate(), fmt=fmt)
    NominativeExport.objects.create(exported_by=user, content=content, rows=file.rows)
    audit_record(action=AuditAction.EXPORT, user=user, detail=f"{content}, {fmt} ({file.rows} lignes)")
    return file


# Fields of the kept file that the removed one fills when they are empty.
MERGE_FILLED_FIELDS = (
    "birth_date",
    "phone",
    "email",
    "quarter_id",
    "france_travail",
    "rsa",
    "rqth",
    "qualification_level",
    "notice_given_on",
    "referent_id",
)


@transaction.atomic
def beneficiary_merge(*, kept: Beneficiary, removed: Beneficiary, user) -> BeneficiaryMerge:
    """Merge `removed` into `kept`: one person had two files.

    Visits, referrals, outcomes, follow-up appointments and workshop registrations move to
    the kept file (one registration per workshop: see `_registrations_merge`); its empty fields are
    filled from the removed one; the removed file is deleted and the merge
    recorded (references only). Two visits in the same permanence become one
    (topics, referrals and notes merged); an outcome present in both files
    (same type and start) is kept once, and so is an appointment both files
    had at the same session. Only the first visit stays a "premier
    accueil". Both files must be unchanged since they were read (`version`).
    """
    kept, removed = _lock_unchanged(kept, removed)
    # Each row moved or changed counts as changed for a correction opened before (`version`).
    audit = {"updated_by": user, "updated_at": timezone.now(), "version": F("version") + 1}
    kept_visits = {visit.permanence_id: visit for visit in Visit.objects.filter(beneficiary=kept)}
    for visit in Visit.objects.filter(beneficiary=removed, permanence_id__in=kept_visits.keys()):
        _visit_merge(into=kept_visits[visit.permanence_id], other=visit, user=user)
    Visit.objects.filter(beneficiary=removed).update(beneficiary=kept, **audit)
    Referral.objects.filter(beneficiary=removed).update(beneficiary=kept, **audit)
    _outcomes_merge(kept=kept, removed=removed, user=user)
    Outcome.objects.filter(beneficiary=removed).update(beneficiary=kept, **audit)
    _appointments_merge(kept=kept, removed=removed, audit=audit)
    _registrations_merge(kept=kept, removed=removed, user=user)
    WorkshopRegistration.objects.filter(beneficiary=removed).update(beneficiary=kept, **audit)
    first = Visit.objects.filter(beneficiary=kept).order_by("date", "created_at", "pk").first()
    if first is not None:
        Visit.objects.filter(beneficiary=kept, kind=VisitKind.FIRST).exclude(pk=first.pk).update(
            kind=VisitKind.FOLLOW_UP, **audit
        )
    _fill_empty_fields(kept=kept, removed=removed, user=user)
    record = BeneficiaryMerge.objects.create(kept_ref=kept.ref, removed_ref=removed.ref, merged_by=user)
    audit_record(action=AuditAction.MERGE, user=user, obj=kept, detail=f"dossier {removed.ref} fusionné")
    # The apps above move what they keep about the removed file (messaging/: its messages).
    files_merged.send(sender=Beneficiary, kept=kept, removed=removed)
    removed.delete()
    return record


def _appointments_merge(*, kept: Beneficiary, removed: Beneficiary, audit: dict) -> None:
    """Move the removed file's appointments; one both had at a session is kept once (the kept file's)."""
    active = Appointment.objects.filter(cancelled_at__isnull=True)
    both = active.filter(beneficiary=kept).values("permanence_id")
    active.filter(beneficiary=removed, permanence_id__in=both).delete()
    Appointment.objects.filter(beneficiary=removed).update(beneficiary=kept, **audit)


def _lock_unchanged(kept: Beneficiary, removed: Beneficiary) -> tuple[Beneficiary, Beneficiary]:
    """The two files, locked until the transaction ends, if both are as they were read."""
    if kept.pk == removed.pk:
        raise BeneficiaryError("Un dossier ne peut pas être fusionné avec lui-même.")
    if kept.anonymised_at is not None or removed.anonymised_at is not None:
        raise BeneficiaryError("Un dossier anonymisé ne peut pas être fusionné.")
    rows = {
        person.pk: person
        for person in Beneficiary.objects.select_for_update()
        .filter(pk__in=[kept.pk, removed.pk])
        .order_by("pk")
    }
    if len(rows) != 2:
        raise BeneficiaryError("Un des deux dossiers n'existe plus : il a sans doute déjà été fusionné.")
    if rows[kept.pk].version != kept.version or rows[removed.pk].version != removed.version:
        raise BeneficiaryError(
            "Un des deux dossiers a été modifié depuis l'affichage de la comparaison : "
            "vérifiez-la de nouveau."
        )
    return rows[kept.pk], rows[removed.pk]


def _outcomes_merge(*, kept: Beneficiary, removed: Beneficiary, user) -> None:
    """An outcome of the removed file that the kept one has too (same kind and start)
    completes it and goes."""
    kept_outcomes = {
        (o.kind, o.start_date): o for o in Outcome.objects.filter(beneficiary=kept).order_by("-pk")
    }
    for outcome in Outcome.objects.filter(beneficiary=removed):
        twin = kept_outcomes.get((outcome.kind, outcome.start_date))
        if twin is None:
            continue
        for name in ("end_date", "working_time", "employer"):
            if getattr(twin, name) in ("", None):
                setattr(twin, name, getattr(outcome, name))
        twin.updated_by, twin.version = user, F("version") + 1
        twin.save(
            update_fields=["end_date", "working_time", "employer", "updated_by", "updated_at", "version"]
        )
        outcome.delete()


_ATTENDANCE_RANK = [
    AttendanceMark.NOT_MARKED,
    AttendanceMark.ABSENT,
    AttendanceMark.EXCUSED,
    AttendanceMark.PRESENT,
]


def _registration_rank(registration: WorkshopRegistration) -> tuple[bool, int]:
    """What a registration is worth beside another: a place, then the attendance marked."""
    return registration.has_place, _ATTENDANCE_RANK.index(registration.attendance)


def _registrations_merge(*, kept: Beneficiary, removed: Beneficiary, user) -> None:
    """A workshop both files were registered for keeps one registration, the kept
    file's, with the better of the two (a place rather than the waiting list,
    then present, excused, absent); a place that frees goes to the waiting list."""
    kept_rows = {row.workshop_id: row for row in WorkshopRegistration.objects.filter(beneficiary=kept)}
    for row in WorkshopRegistration.objects.filter(beneficiary=removed, workshop_id__in=kept_rows):
        twin = kept_rows[row.workshop_id]
        if _registration_rank(row) > _registration_rank(twin):
            twin.status, twin.attendance, twin.updated_by = row.status, row.attendance, user
            twin.save(update_fields=["status", "attendance", "updated_by", "updated_at"])
        freed = row.has_place and twin.has_place
        row.delete()
        if freed:
            registrations_promote(workshop=twin.workshop, user=user)


def _fill_empty_fields(*, kept: Beneficiary, removed: Beneficiary, user) -> None:
    filled = [name for name in MERGE_FILLED_FIELDS if getattr(kept, name) in ("", None)]
    for name in filled:
        setattr(kept, name, getattr(removed, name))
    if kept.sex == Sex.NOT_STATED:
        kept.sex = removed.sex
        filled.append("sex")
    kept.version += 1
    kept.updated_by = user
    kept.save(update_fields=[*filled, "version", "updated_by", "updated_at"])


def pair_mark_distinct(*, first: Beneficiary, second: Beneficiary, user) -> DistinctPair:
    """Two files listed as likely duplicates are two persons: no longer list them.

    Idempotent: a pair already marked (a second click, another coordinator)
    stays as it was.
    """
    if first.pk == second.pk:
        raise BeneficiaryError("Un dossier ne peut pas être comparé avec lui-même.")
    low, high = sorted((first, second), key=lambda person: person.pk)
    pair, created = DistinctPair.objects.get_or_create(first=low, second=high, defaults={"decided_by": user})
    if created:
        audit_record(
            action=AuditAction.CHANGE,
            user=user,
            obj=low,
            detail=f"dossiers {low.ref} et {high.ref} : deux personnes différentes, pas un doublon",
        )
    return pair


def _visit_merge(*, into: Visit, other: Visit, user) -> None:
    """One person's two visits in the same permanence become `into`."""
    into.topics.add(*other.topics.all())
    referrals = {referral.partner: referral for referral in into.referrals.all()}
    for referral in other.referrals.all():
        twin = referrals.get(referral.partner)
        if twin is None:
            referral.visit, referral.beneficiary_id, referral.updated_by = into, into.beneficiary_id, user
            referral.version = F("version") + 1
            referral.save(update_fields=["visit", "beneficiary", "updated_by", "updated_at", "version"])
            continue
        if twin.status == ReferralStatus.PROPOSED and referral.status != ReferralStatus.PROPOSED:
            twin.status, twin.checked_on = referral.status, referral.checked_on
        twin.detail = twin.detail or referral.detail
        twin.updated_by, twin.version = user, F("version") + 1
        twin.save(update_fields=["status", "checked_on", "detail", "updated_by", "updated_at", "version"])
        referral.delete()
    if other.notes and other.notes not in into.notes:
        into.notes = "\n".join(part for part in (into.notes, other.notes) if part)[:NOTES_MAX_LENGTH]
    if other.kind == VisitKind.FIRST:
        into.kind = VisitKind.FIRST
    into.duration_minutes = into.duration_minutes or other.duration_minutes
    into.counsellor_id = into.counsellor_id or other.counsellor_id
    if not into.next_step:
        into.next_step, into.next_step_due = other.next_step, other.next_step_due
        into.next_step_done_on = other.next_step_done_on
    into.updated_by, into.version = user, F("version") + 1
    into.save()
    other.delete()

"""Background tasks of the case files (Django's Tasks framework), and their
queueing. The task worker (`manage.py db_worker`, README "Production") runs them."""

from django.db import transaction
from django.tasks import task

from .data_services import import_upload_save
from .enums import ImportAction
from .import_jobs import decisions_as_json, fail_stalled, import_job_run
from .imports import Decisions
from .models import ImportJob, ImportUpload
from .services import BeneficiaryError


@task()
def run_import_job(job_id: str) -> None:
    """Preview or import uploaded files (`import_jobs.py`)."""
    import_job_run(job_id)


def import_job_start(
    *, upload: ImportUpload, user, action: str, decisions: Decisions | None = None
) -> ImportJob:
    """Queue a preview or an import of an upload's files; refused while another job of
    the same user runs (one at a time; imports are also serialised by the database)."""
    fail_stalled()
    if ImportJob.objects.filter(user=user).unfinished().exists():
        raise BeneficiaryError("Un traitement de vos fichiers est déjà en cours : attendez qu'il se termine.")
    job = ImportJob.objects.create(
        user=user,
        upload_key=upload.pk,
        action=action,
        decisions=decisions_as_json(decisions or Decisions()),
        rows_total=upload.rows,
    )
    # Inside the caller's transaction: the task is queued with the job, or neither is.
    run_import_job.enqueue(str(job.pk))
    job.refresh_from_db()  # a backend that runs it at once (the tests') has finished it
    return job


@transaction.atomic
def import_upload_preview(*, user, files: dict[str, tuple[str, bytes]], rows: int) -> ImportJob:
    """Keep uploaded files (`rows`: their data rows, measured) and queue their preview."""
    upload = import_upload_save(user=user, files=files, rows=rows)
    return import_job_start(upload=upload, user=user, action=ImportAction.PREVIEW)

"""Previews and imports in the background: a web request queues an `ImportJob`
and returns at once (`tasks.import_job_start`); the task worker (`manage.py
db_worker`) runs it here (`import_job_run`).

While the job runs, the planner and the writer count rows in an
`ImportProgress`; the import itself runs in a thread of the worker so that the
worker's main thread can note that progress in the job's row every second
(`ImportJob.HEARTBEAT_SECONDS`), on its own connection: the import's
transaction, all or nothing, shows nothing to others before it commits. The
result waits in the job: the preview as JSON, or the import's tallies, or a
French message. A confirmed import notes its success in the same transaction
as its rows, so a job is never "failed" for an import that was written. A job
whose worker died stays "running" without news; after `ImportJob.STALE_AFTER`
it counts as failed (nothing of it was written) and the files can be
previewed or imported again.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from audit.context import acting_as
from core.submissions import forget_submission

from .data_services import ImportRefused, activity_import, import_confirm, import_upload_sources
from .enums import ImportAction, ImportJobState
from .imports import Decisions, ImportProgress, plan_as_json
from .models import ImportJob, ImportUpload
from .services import BeneficiaryError

logger = logging.getLogger(__name__)

GONE = "Les fichiers déposés ne sont plus là (annulés, remplacés ou expirés) : déposez-les de nouveau."
UNEXPECTED = (
    "Le traitement a échoué de façon inattendue : rien n'a été enregistré. Relancez-le ; si cela se "
    "reproduit, prévenez l'administrateur (le journal du service de traitement dit pourquoi)."
)
STALLED = ImportJob.STALLED


def decisions_as_json(decisions: Decisions) -> dict[str, Any]:
    choices = {str(line): value for line, value in decisions.choices.items()}
    return {"choices": choices, "create_anyway": decisions.create_anyway}


def decisions_from_json(data: dict[str, Any]) -> Decisions:
    return Decisions(
        choices={int(line): value for line, value in data.get("choices", {}).items()},
        create_anyway=bool(data.get("create_anyway")),
    )


def decisions_as_post(data: dict[str, Any]) -> dict[str, str]:
    """The decisions as the preview form sends them, to show a refused import's form again."""
    post = {f"choix-{line}": value for line, value in data.get("choices", {}).items()}
    if data.get("create_anyway"):
        post["create_anyway"] = "on"
    return post


def fail_stalled() -> None:
    """Mark failed the jobs whose worker died (see the module's docstring); their files
    may be confirmed again."""
    stalled = list(ImportJob.objects.stalled().values_list("pk", "action", "upload_key"))
    ImportJob.objects.filter(pk__in=[pk for pk, _, _ in stalled]).update(
        state=ImportJobState.FAILED, finished_at=timezone.now(), message=STALLED
    )
    for _, action, upload_key in stalled:
        if action == ImportAction.IMPORT:
            forget_submission(token=upload_key)


def import_job_run(job_id: str) -> None:
    """Run a queued job (the task's body): claim it, do it, keep its result."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJobState.QUEUED).update(
        state=ImportJobState.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not claimed:  # cancelled meanwhile (its files deleted), or already run
        return
    job = ImportJob.objects.get(pk=job_id)
    progress = ImportProgress()
    try:
        if connection.in_atomic_block:
            # Run by a backend that runs tasks inside the request (the tests'): no
            # one could see progress noted from another connection.
            outcome = _work(job, progress)
        else:
            outcome = _watched(lambda: _work(job, progress), beat=lambda: _note_progress(job, progress))
    except BaseException:
        # The worker is stopped (a second Ctrl-C, SIGTERM twice): the import's thread dies
        # with the process and its transaction with its connection.
        _finish(job, progress, state=ImportJobState.FAILED, message=STALLED)
        raise
    _finish(job, progress, **outcome)


def _watched(work: Callable[[], dict], *, beat: Callable[[], None]) -> dict:
    """Run `work` in a thread (its own connection), calling `beat` every heartbeat."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = work()
        except BaseException as error:
            box["error"] = error
        finally:
            connections.close_all()  # this thread's connection

    # A daemon: a worker that must stop does not wait for it, and its transaction is rolled back.
    thread = threading.Thread(target=target, name="import-job", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(ImportJob.HEARTBEAT_SECONDS)
        beat()
    if "error" in box:
        raise box["error"]
    return box["outcome"]


def _counts(progress: ImportProgress) -> dict[str, int]:
    return {
        "rows_read": progress.rows_read,
        "rows_compared": progress.rows_compared,
        "rows_to_write": progress.rows_to_write,
        "rows_written": progress.rows_written,
    }


def _note_progress(job: ImportJob, progress: ImportProgress) -> None:
    try:
        ImportJob.objects.filter(pk=job.pk, state=ImportJobState.RUNNING).update(
            heartbeat_at=timezone.now(), **_counts(progress)
        )
    except DatabaseError:  # SQLite busy with the import's writes (the demo): next time
        logger.info("Progress of import job %s not noted this time", job.pk)


def _finish(job: ImportJob, progress: ImportProgress, *, state: str, result=None, message: str = "") -> None:
    """Keep the outcome, unless it was kept already (an import, in its own transaction)."""
    ImportJob.objects.filter(pk=job.pk, state=ImportJobState.RUNNING).update(
        state=state,
        result=result,
        message=message,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        **_counts(progress),
    )
    if job.action == ImportAction.IMPORT and not (state == ImportJobState.DONE and result.get("imported")):
        # The confirmation's one-time token: the files were not imported, they may be confirmed again.
        forget_submission(token=job.upload_key)


def _work(job: ImportJob, progress: ImportProgress) -> dict[str, Any]:
    """The job's outcome: the fields `_finish` keeps. The audit trail names the
    coordinator who asked for it, as in a request."""
    with acting_as(job.user):
        return _outcome(job, progress)


def _outcome(job: ImportJob, progress: ImportProgress) -> dict[str, Any]:
    upload = ImportUpload.objects.alive().filter(pk=job.upload_key, user=job.user).first()
    if upload is None:
        return {"state": ImportJobState.FAILED, "message": GONE}
    decisions = decisions_from_json(job.decisions)
    try:
        if job.action == ImportAction.PREVIEW:
            sources = import_upload_sources(upload)
            plan = activity_import(
                sources=sources, user=job.user, dry_run=True, decisions=decisions, progress=progress
            )
            return {"state": ImportJobState.DONE, "result": plan_as_json(plan)}
        return _import(job, upload, decisions, progress)
    except ImportRefused as refused:
        return {
            "state": ImportJobState.DONE,
            "result": {**plan_as_json(refused.plan), "refused": str(refused)},
        }
    except BeneficiaryError as error:
        return {"state": ImportJobState.FAILED, "message": str(error)}
    except Exception as error:
        # The class only: a database error's message may quote a cell of the files.
        logger.error("Import job %s failed: %s", job.pk, type(error).__name__)
        return {"state": ImportJobState.FAILED, "message": UNEXPECTED}


def _import(job: ImportJob, upload: ImportUpload, decisions: Decisions, progress: ImportProgress) -> dict:
    with transaction.atomic():
        plan = import_confirm(upload=upload, user=job.user, decisions=decisions, progress=progress)
        done = [
            f"{label.lower()} : {tally.created} créé(s), {tally.updated} modifié(s)"
            for label, tally in plan.summary()
            if tally.created or tally.updated
        ]
        result = {"imported": True, "summary": ", ".join(done) or "rien à changer"}
        # In the import's transaction: the job says "done" exactly when the rows are written;
        # the previews of these files (personal data) go with them.
        ImportJob.objects.filter(upload_key=job.upload_key).exclude(pk=job.pk).delete()
        _finish(job, progress, state=ImportJobState.DONE, result=result)
    return {"state": ImportJobState.DONE, "result": result}

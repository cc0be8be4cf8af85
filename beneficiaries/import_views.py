"""Coordination's import pages: upload, then the preview and the import, each run
in the background by the task worker (`import_jobs.py`).

A request only queues work and returns: the page of the job shows its
progress (refreshed by htmx, or by the page itself without JavaScript) and
can be left; the result waits on the preview page and on the data page. With
a backend that runs tasks at once (the tests'), the result is shown right
away, as the pages did before the worker. Each view checks
`perms.require_manage_files`.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from core.responses import render_form
from core.submissions import check_not_submitted, new_token, submit_once
from permanences.enums import PermanenceStatus
from permanences.models import Quarter, Venue

from . import perms
from .data_forms import DuplicateDecisionsForm, ImportForm, decisions_from_post
from .data_services import import_upload_cancel
from .enums import ImportAction, ImportJobState, OutcomeKind, Partner, ReferralStatus, VisitKind, WorkingTime
from .import_jobs import decisions_as_post, decisions_from_json, fail_stalled
from .imports import plan_from_json
from .models import ImportJob, ImportUpload, Topic, WorkshopTheme
from .services import BeneficiaryError, files_listed
from .tasks import import_job_start, import_upload_preview


def _reference_lists() -> dict:
    """The names and codes the import accepts, listed beside the upload form."""
    return {
        "venues": Venue.objects.order_by("name").values_list("name", flat=True),
        "quarters": Quarter.objects.order_by("name").values_list("name", flat=True),
        "topics": Topic.objects.values_list("code", "label"),
        "workshop_themes": WorkshopTheme.objects.values_list("code", "label"),
        "partners": Partner.choices,
        "outcome_kinds": OutcomeKind.choices,
        "visit_kinds": VisitKind.choices,
        "referral_statuses": ReferralStatus.choices,
        "session_statuses": PermanenceStatus.choices,
        "working_times": [choice for choice in WorkingTime.choices if choice[0]],
    }


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload one to seven files; their preview is queued, nothing is imported yet."""
    perms.require_manage_files(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        busy = ImportJob.objects.filter(user=request.user, action=ImportAction.IMPORT).unfinished()
        if busy.exists():
            form.add_error(None, "Un import de vos fichiers est en cours : attendez qu'il se termine.")
        else:
            job = submit_once(
                token=form.cleaned_data["token"],
                user=request.user,
                create=lambda: import_upload_preview(
                    user=request.user, files=form.files_read(), rows=form.rows
                ),
                result_url=lambda job: reverse("beneficiaries:import_preview", args=[job.upload_key]),
                fallback=reverse("beneficiaries:import"),
            )
            return redirect("beneficiaries:import_preview", job.upload_key)
    context = {
        "form": form,
        "max_upload": settings.IMPORT_MAX_UPLOAD_BYTES,
        "max_rows": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", " "),
        **_reference_lists(),
    }
    return render_form(request, "beneficiaries/import_form.html", context, form)


def _latest_job(upload: ImportUpload) -> ImportJob | None:
    return ImportJob.objects.filter(upload_key=upload.pk, user=upload.user).first()


def _result(request, upload: ImportUpload, job: ImportJob | None, *, form=None):
    """The preview page: a finished job's plan (tallies, problems, changes, the persons
    who look like stored files: a read of those files, recorded by their number), its
    failure, or nothing yet."""
    result = job.result if job is not None and job.state == ImportJobState.DONE else None
    plan = plan_from_json(result) if result and "files" in result else None
    refused = (result or {}).get("refused", "")
    failure = job.failure if job is not None else ""
    if plan is not None:
        shown = {candidate.pk for row in plan.likely_duplicates for candidate in row.candidates}
        if shown:
            files_listed(what="aperçu d'import, dossiers ressemblants", count=len(shown), user=request.user)
        if form is None and refused:
            form = DuplicateDecisionsForm(plan.likely_duplicates, decisions_as_post(job.decisions))
            form.is_valid()  # shows the rows still without a choice
        elif form is None:
            create_anyway = decisions_from_json(job.decisions).create_anyway
            form = DuplicateDecisionsForm(plan.likely_duplicates, initial={"create_anyway": create_anyway})
    context = {
        "upload": upload,
        "job": job,
        "plan": plan,
        "refused": refused,
        "failure": failure,
        "changes": plan.changes if plan else [],
        "decisions": form,
    }
    ok = plan is None or (plan.ok and not refused and not (form is not None and form.errors))
    return render(request, "beneficiaries/import_preview.html", context, status=200 if ok else 400)


def _job_page(job: ImportJob) -> str:
    return reverse("beneficiaries:import_job", args=[job.pk])


def _started(request, upload: ImportUpload, job: ImportJob):
    """Where a request that queued a job goes: the job's page, or its result when it is
    done already (a backend that runs tasks at once)."""
    if not job.finished:
        return redirect(_job_page(job))
    if job.imported:
        messages.success(request, f"Import terminé — {job.result['summary']}.")
        return redirect("beneficiaries:data")
    return _result(request, upload, job)


@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    """What the files would create, update or reject, once their preview has run; decide
    about likely duplicates; preview again with those decisions, confirm, or cancel."""
    perms.require_manage_files(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirmer":
        fail_stalled()  # an import whose worker died may be confirmed again
        # A confirmation sent again once its import is done (its files gone): to the result.
        check_not_submitted(token=pk, user=request.user, fallback=reverse("beneficiaries:data"))
    upload = perms.get_upload_for_user(request, pk)
    if request.method == "GET":
        job = _latest_job(upload)
        if job is not None and not job.finished:
            return redirect(_job_page(job))
        return _result(request, upload, job)
    if action == "annuler":
        try:
            import_upload_cancel(upload=upload)
        except BeneficiaryError as error:
            messages.error(request, str(error))
            return redirect("beneficiaries:import_preview", pk)
        messages.info(request, "Import annulé : les fichiers déposés ont été supprimés.")
        return redirect("beneficiaries:import")
    decisions = decisions_from_post(request.POST)
    if action == "confirmer":
        return _confirm(request, upload, decisions)
    try:
        job = import_job_start(
            upload=upload, user=request.user, action=ImportAction.PREVIEW, decisions=decisions
        )
    except BeneficiaryError as error:
        messages.error(request, str(error))
        return redirect("beneficiaries:import_preview", pk)
    return _started(request, upload, job)


def _confirm(request, upload: ImportUpload, decisions):
    """Queue the import of previewed files, once every likely duplicate has its decision."""
    previewed = _latest_job(upload)
    result = previewed.result if previewed is not None and previewed.state == ImportJobState.DONE else None
    if not result or "files" not in result:
        messages.error(request, "Ces fichiers n'ont pas encore d'aperçu : lancez-le, puis confirmez.")
        return redirect("beneficiaries:import_preview", upload.pk)
    plan = plan_from_json(result)
    form = DuplicateDecisionsForm(plan.likely_duplicates, request.POST)
    if not plan.ok or (plan.likely_duplicates and not form.is_valid()):
        return _result(request, upload, previewed, form=form)
    try:
        job = submit_once(
            token=upload.pk,
            user=request.user,
            create=lambda: import_job_start(
                upload=upload, user=request.user, action=ImportAction.IMPORT, decisions=decisions
            ),
            result_url=_job_page,
            fallback=reverse("beneficiaries:data"),
        )
    except BeneficiaryError as error:
        messages.error(request, str(error))
        return redirect("beneficiaries:import_preview", upload.pk)
    return _started(request, upload, job)


@require_GET
def import_job(request, pk):
    """The progress of a preview or an import; its result's page once it is done. htmx
    asks for the progress every two seconds (the page reloads itself without it)."""
    job = perms.get_import_job_for_user(request, pk)
    if job.finished:
        alive = ImportUpload.objects.alive().filter(pk=job.upload_key, user=request.user).exists()
        url = (
            reverse("beneficiaries:import_preview", args=[job.upload_key])
            if alive and not job.imported
            else reverse("beneficiaries:data")
        )
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = (
        "beneficiaries/includes/import_progress.html" if request.htmx else "beneficiaries/import_job.html"
    )
    return render(request, template, {"job": job})

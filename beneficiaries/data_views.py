"""Coordination's data pages: import (upload, preview, confirm), nominative
export, likely duplicates and merge. Each checks `perms.require_manage_files`.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.responses import render_form
from core.submissions import new_token, submit_once
from permanences.enums import PermanenceStatus
from permanences.models import Quarter, Venue

from . import perms
from .data_forms import (
    ComparePairForm,
    DuplicateDecisionsForm,
    ExportForm,
    ImportForm,
    MergeForm,
    decisions_from_post,
)
from .data_services import (
    MERGE_FILLED_FIELDS,
    ImportRefused,
    activity_import,
    beneficiary_merge,
    import_confirm,
    import_upload_save,
    import_upload_sources,
    nominative_export,
    pair_mark_distinct,
)
from .duplicates import duplicate_pairs, persons_for_pairs, with_activity
from .enums import (
    ExportContent,
    ExportFormat,
    OutcomeKind,
    Partner,
    ReferralStatus,
    Sex,
    VisitKind,
    WorkingTime,
)
from .imports import ImportPlan
from .models import Beneficiary, BeneficiaryMerge, ImportUpload, NominativeExport, Topic
from .services import BeneficiaryError, beneficiary_read, files_listed

DUPLICATES_PAGE_SIZE = 25


@require_GET
def data_home(request):
    perms.require_manage_files(request)
    return render(
        request,
        "beneficiaries/data_home.html",
        {
            "export_choices": ExportContent.choices,
            "export_formats": ExportFormat.choices,
            "exports": NominativeExport.objects.select_related("exported_by")[:10],
            "merges": BeneficiaryMerge.objects.select_related("merged_by")[:10],
        },
    )


# --- import -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload one to three files; the preview follows, nothing is imported yet."""
    perms.require_manage_files(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        upload = submit_once(
            token=form.cleaned_data["token"],
            user=request.user,
            create=lambda: import_upload_save(user=request.user, files=form.files_read()),
            result_url=lambda upload: reverse("beneficiaries:import_preview", args=[upload.pk]),
            fallback=reverse("beneficiaries:import"),
        )
        return redirect("beneficiaries:import_preview", upload.pk)
    return render_form(
        request,
        "beneficiaries/import_form.html",
        {
            "form": form,
            "venues": Venue.objects.order_by("name").values_list("name", flat=True),
            "quarters": Quarter.objects.order_by("name").values_list("name", flat=True),
            "topics": Topic.objects.values_list("code", "label"),
            "partners": Partner.choices,
            "outcome_kinds": OutcomeKind.choices,
            "visit_kinds": VisitKind.choices,
            "referral_statuses": ReferralStatus.choices,
            "session_statuses": PermanenceStatus.choices,
            "working_times": [choice for choice in WorkingTime.choices if choice[0]],
        },
        form,
    )


def _preview(request, upload: ImportUpload, plan: ImportPlan, *, status: int = 200, form=None):
    """The preview: tallies, problems, changes, and the persons who look like stored
    files (a read of those files: recorded, by their number)."""
    shown = {candidate.pk for row in plan.likely_duplicates for candidate in row.candidates}
    if shown:
        files_listed(what="aperçu d'import, dossiers ressemblants", count=len(shown), user=request.user)
    return render(
        request,
        "beneficiaries/import_preview.html",
        {
            "upload": upload,
            "plan": plan,
            "changes": plan.changes[:100],
            "decisions": form or DuplicateDecisionsForm(plan.likely_duplicates),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def import_preview(request, pk):
    """What the files would create, update or reject; decide about likely duplicates;
    preview again with those decisions, confirm, or cancel."""
    if request.method == "GET":
        upload = perms.get_upload_for_user(request, pk)
        plan = activity_import(sources=import_upload_sources(upload), user=request.user, dry_run=True)
        return _preview(request, upload, plan, status=200 if plan.ok else 400)
    action = request.POST.get("action")
    if action == "annuler":
        perms.get_upload_for_user(request, pk).delete()
        messages.info(request, "Import annulé : les fichiers déposés ont été supprimés.")
        return redirect("beneficiaries:import")
    decisions = decisions_from_post(request.POST)
    if action == "apercu":
        upload = perms.get_upload_for_user(request, pk)
        plan = activity_import(
            sources=import_upload_sources(upload), user=request.user, dry_run=True, decisions=decisions
        )
        form = DuplicateDecisionsForm(
            plan.likely_duplicates, initial={"create_anyway": decisions.create_anyway}
        )
        return _preview(request, upload, plan, status=200 if plan.ok else 400, form=form)
    perms.require_manage_files(request)
    try:
        plan = submit_once(
            token=pk,
            user=request.user,
            create=lambda: import_confirm(
                upload=perms.get_upload_for_user(request, pk), user=request.user, decisions=decisions
            ),
            result_url=lambda plan: reverse("beneficiaries:data"),
            fallback=reverse("beneficiaries:data"),
        )
    except ImportRefused as refused:
        form = DuplicateDecisionsForm(refused.plan.likely_duplicates, request.POST)
        form.is_valid()  # shows the rows still without a choice
        return _preview(request, perms.get_upload_for_user(request, pk), refused.plan, status=400, form=form)
    except BeneficiaryError as error:
        messages.error(request, str(error))
        return redirect("beneficiaries:import_preview", pk)
    done = ", ".join(
        f"{label.lower()} : {tally.created} créé(s), {tally.updated} modifié(s)"
        for label, tally in plan.summary()
        if tally.created or tally.updated
    )
    messages.success(request, f"Import terminé — {done or 'rien à changer'}.")
    return redirect("beneficiaries:data")


# --- nominative export --------------------------------------------------------


@require_POST
def export(request):
    """Download a nominative export (recorded: who, what, when)."""
    perms.require_manage_files(request)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Export inconnu : rien n'a été exporté.")
        return redirect("beneficiaries:data")
    file = nominative_export(
        content=form.cleaned_data["content"], fmt=form.cleaned_data["format"], user=request.user
    )
    response = HttpResponse(file.data, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.name)
    response["Cache-Control"] = "no-store"
    return response


# --- duplicates and merge -----------------------------------------------------


@require_GET
def duplicates(request):
    """Likely duplicate files, the surest first; or two files chosen by reference."""
    perms.require_manage_files(request)
    compare = ComparePairForm(request.GET if "first" in request.GET else None)
    if compare.is_bound and compare.is_valid():
        refs = [compare.cleaned_data["first"].strip(), compare.cleaned_data["second"].strip()]
        found = dict(Beneficiary.objects.filter(ref__in=refs).values_list("ref", "pk"))
        missing = [ref for ref in refs if ref not in found]
        if missing:
            compare.add_error(None, f"Aucun dossier ne porte la référence « {missing[0]} ».")
        elif refs[0] == refs[1]:
            compare.add_error(None, "Indiquez deux références différentes.")
        else:
            return redirect("beneficiaries:merge", found[refs[0]], found[refs[1]])
    page = Paginator(duplicate_pairs(), DUPLICATES_PAGE_SIZE).get_page(request.GET.get("page"))
    persons = persons_for_pairs(page.object_list)
    files_listed(what="doublons probables", count=len(persons), user=request.user)
    rows = [(pair, persons[pair.first_id], persons[pair.second_id]) for pair in page.object_list]
    return render_form(
        request,
        "beneficiaries/duplicates.html",
        {"page": page, "rows": rows, "compare": compare, "query": ""},
        compare,
    )


MERGE_COMPARED_FIELDS = ("ref", "last_name", "first_name", "sex", *MERGE_FILLED_FIELDS)


def _shown(person: Beneficiary, name: str) -> str:
    if name == "quarter_id":
        return person.quarter.name if person.quarter else ""
    value = getattr(person, name)
    if hasattr(person, f"get_{name}_display"):
        return getattr(person, f"get_{name}_display")() if value else ""
    if hasattr(value, "strftime"):
        return date_format(value, "d/m/Y")
    return str(value or "")


def _comparison(kept: Beneficiary, removed: Beneficiary) -> list[dict]:
    """Field by field: each file's value and the merged file's."""
    rows = []
    for name in MERGE_COMPARED_FIELDS:
        field = Beneficiary._meta.get_field(name.removesuffix("_id"))
        mine, theirs = _shown(kept, name), _shown(removed, name)
        empty = getattr(kept, name) in ("", None) or (name == "sex" and kept.sex == Sex.NOT_STATED)
        filled = name in (*MERGE_FILLED_FIELDS, "sex") and empty and theirs
        result = kept.ref if name == "ref" else (theirs if filled else mine)
        rows.append(
            {
                "label": capfirst(field.verbose_name),
                "kept": mine or "—",
                "removed": theirs or "—",
                "result": result or "—",
                "filled": bool(filled),
                "differs": name != "ref" and mine != theirs,
            }
        )
    return rows


def _two_files(request, pk: int, other_pk: int, files) -> tuple[Beneficiary, Beneficiary] | None:
    """The files `pk` and `other_pk` of `files`, in that order; None, with a
    message, when one of them is gone (merged meanwhile)."""
    if pk == other_pk:
        raise Http404
    people = {person.pk: person for person in files.filter(pk__in=[pk, other_pk])}
    if len(people) != 2:
        messages.info(request, "Un des deux dossiers n'existe plus : il a sans doute déjà été fusionné.")
        return None
    return people[pk], people[other_pk]


@require_http_methods(["GET", "POST"])
def merge(request, pk: int, other_pk: int):
    """Compare two files, then merge the second (`other_pk`) into the first (`pk`)."""
    perms.require_manage_files(request)
    pair = _two_files(request, pk, other_pk, with_activity(Beneficiary.objects.all()))
    if pair is None:
        return redirect("beneficiaries:duplicates")
    kept, removed = pair
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            kept.version, removed.version = (
                form.cleaned_data["kept_version"],
                form.cleaned_data["removed_version"],
            )
            file_page = reverse("beneficiaries:detail", args=[kept.pk])
            try:
                submit_once(
                    token=form.cleaned_data["token"],
                    user=request.user,
                    create=lambda: beneficiary_merge(kept=kept, removed=removed, user=request.user),
                    result_url=lambda record: file_page,
                    fallback=file_page,
                )
            except BeneficiaryError as error:
                messages.error(request, str(error))
                return redirect("beneficiaries:merge", pk, other_pk)
            messages.success(request, f"Le dossier {removed.ref} a été fusionné dans le dossier {kept.ref}.")
            return redirect("beneficiaries:detail", kept.pk)
    else:
        for person in (kept, removed):
            beneficiary_read(beneficiary=person, user=request.user)
        form = MergeForm(
            initial={"token": new_token(), "kept_version": kept.version, "removed_version": removed.version}
        )
    return render_form(
        request,
        "beneficiaries/merge.html",
        {"kept": kept, "removed": removed, "rows": _comparison(kept, removed), "form": form},
        form,
    )


@require_POST
def distinct_pair(request, pk: int, other_pk: int):
    """Two files compared are two persons: no longer list them as likely duplicates."""
    perms.require_manage_files(request)
    pair = _two_files(request, pk, other_pk, Beneficiary.objects.all())
    if pair is None:
        return redirect("beneficiaries:duplicates")
    first, second = pair
    pair_mark_distinct(first=first, second=second, user=request.user)
    messages.success(
        request,
        f"Les dossiers {first.ref} et {second.ref} sont notés comme deux personnes différentes : "
        "ils ne sont plus proposés comme doublons.",
    )
    return redirect("beneficiaries:duplicates")

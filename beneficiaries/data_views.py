"""Coordination's data pages: the data home, nominative export, likely
duplicates and merge (the import's pages are import_views.py). Each checks
`perms.require_manage_files`.
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
from core.templatetags.display import user_label

from . import perms
from .data_forms import (
    ComparePairForm,
    ExportForm,
    MergeForm,
)
from .data_services import (
    MERGE_FILLED_FIELDS,
    beneficiary_merge,
    nominative_export,
    pair_mark_distinct,
)
from .duplicates import duplicate_pairs, persons_for_pairs, with_activity
from .enums import (
    ExportContent,
    ExportFormat,
    Sex,
)
from .models import Beneficiary, BeneficiaryMerge, ImportJob, NominativeExport
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
            # The user's last preview or import: under way, or its result waiting here.
            "import_job": ImportJob.objects.alive().filter(user=request.user).first(),
        },
    )


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
    if name == "referent_id":
        return user_label(person.referent) if person.referent else ""
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

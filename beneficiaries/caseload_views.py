"""Caseloads: a counsellor's own (Mes personnes), the one click that makes a
counsellor the referent of a file, and coordination's counts per counsellor and
reassignment (Portefeuilles). Every counsellor still finds and opens every file
through the search and the lists."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.params import ascii_int
from core.responses import render_form
from core.templatetags.display import user_label

from . import perms
from .caseload_forms import ReassignForm
from .caseload_services import beneficiary_referent_claim, caseload_reassign
from .filters import CaseloadFilter
from .models import Beneficiary, caseload_table
from .services import BeneficiaryError, files_listed

PAGE_SIZE = 25
BAD_PAGE = "Numéro de page invalide : écrivez-le avec les chiffres 0 à 9. La première page est affichée."


@require_GET
def my_caseload(request):
    """Mes personnes: the files the counsellor is the referent of, the most urgent first."""
    perms.require_caseload(request)
    filterset = CaseloadFilter(request.GET or None, queryset=Beneficiary.objects.caseload_of(request.user))
    number = request.GET.get("page", "1")
    bad_page = ascii_int(number) is None
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(1 if bad_page else number)
    files_listed(what="mes personnes", count=len(page.object_list), user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "bad_page": BAD_PAGE if bad_page else "",
        "today": timezone.localdate(),
    }
    template = "beneficiaries/caseload.html#results" if request.htmx else "beneficiaries/caseload.html"
    status = 400 if bad_page or filterset.form.errors else 200
    return render(request, template, context, status=status)


@require_POST
def referent_claim(request, pk: int):
    """ "Je suis le/la référent·e": a counsellor takes a file that has no referent."""
    perms.require_caseload(request)
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    try:
        beneficiary_referent_claim(beneficiary_id=person.pk, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Vous êtes référent·e de ce dossier : il est dans « Mes personnes ».")
    return redirect("beneficiaries:detail", person.pk)


@require_GET
def caseloads(request):
    """Portefeuilles: each counsellor's counts (never a name of a person), and the
    files without a referent."""
    perms.require_manage_files(request)
    today = timezone.localdate()
    rows, unassigned = caseload_table(Beneficiary.objects.all(), today=today)
    context = {"rows": rows, "unassigned": unassigned, "today": today}
    return render(request, "beneficiaries/caseloads.html", context)


@require_http_methods(["GET", "POST"])
def reassign(request, pk: int):
    """Move all or some of a caseload to another counsellor: choose, confirm the count, move."""
    source = perms.get_caseload_owner_for_user(request, pk)
    form = ReassignForm(request.POST or None, source=source)
    context = {"source": source, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            context["count"] = form.count()
            chosen = form.file_ids() is not None
            context.update(confirm=True, chosen=chosen)
            return render(request, "beneficiaries/caseload_reassign.html", context)
        try:
            moved = caseload_reassign(
                source=source,
                target=data["target"],
                file_ids=form.file_ids(),
                expected=data["expected"],
                user=request.user,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            shown = f"{moved} dossier confié" if moved < 2 else f"{moved} dossiers confiés"
            messages.success(request, f"{shown} à {user_label(data['target'])}.")
            return redirect("beneficiaries:caseloads")
    files_listed(what="portefeuille à réaffecter", count=form.total, user=request.user)
    return render_form(request, "beneficiaries/caseload_reassign.html", context, form)

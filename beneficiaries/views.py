import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.enums import AuditAction
from audit.models import AuditEntry
from audit.services import audit_record
from core.pdf import render_pdf
from core.submissions import AlreadySubmitted, check_not_submitted, new_token, submit_once
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from . import perms
from .filters import PersonFilter, VisitFilter
from .forms import (
    AnonymiseForm,
    BeneficiaryCreateForm,
    BeneficiaryEditForm,
    OutcomeCreateForm,
    OutcomeForm,
    ReferralFormSet,
    ReferralStatusForm,
    VisitForm,
)
from .models import SEARCH_LIMIT, Beneficiary, Outcome, Referral, Visit
from .services import (
    BeneficiaryError,
    EditConflict,
    VisitAlreadyRecorded,
    beneficiary_anonymise,
    beneficiary_create,
    beneficiary_notice_given,
    beneficiary_update,
    next_step_done,
    outcome_record,
    outcome_update,
    referral_set_status,
    visit_record,
)

PAGE_SIZE = 25


def require_files(request, *, edit: bool = False) -> None:
    allowed = perms.can_edit_files if edit else perms.can_view_files
    if not allowed(request.user):
        raise PermissionDenied


def get_beneficiary_for_user(request, pk: int, *, edit: bool = False, manage: bool = False) -> Beneficiary:
    """The file, for a role that may see it (edit it; `manage`: RGPD and trail,
    coordination only); every page that shows it is a recorded read."""
    if manage and not perms.can_manage_files(request.user):
        raise PermissionDenied
    require_files(request, edit=edit)
    person = get_object_or_404(Beneficiary.objects.select_related("quarter"), pk=pk)
    if edit and person.anonymised_at is not None:
        raise Http404("Dossier anonymisé")
    if request.method == "GET":
        audit_record(action=AuditAction.VIEW, user=request.user, obj=person)
    return person


def get_permanence_for_desk(request, pk: int) -> Permanence:
    require_files(request, edit=True)
    return get_object_or_404(Permanence.objects.select_related("venue__quarter"), pk=pk)


def already_submitted(request, error: AlreadySubmitted, fallback: str):
    messages.info(request, "Ce formulaire a déjà été envoyé : rien n'a été enregistré une seconde fois.")
    return redirect(error.result_url or fallback)


# --- the desk: one session, search, people seen -----------------------------


@require_GET
def desk(request, pk: int):
    """Receive walk-ins during one session: find or create the person, then log the visit."""
    permanence = get_permanence_for_desk(request, pk)
    visits = permanence.visits.select_related("beneficiary", "counsellor").prefetch_related("topics")
    return render(
        request,
        "beneficiaries/desk.html",
        {
            "permanence": permanence,
            "visits": visits.order_by("created_at"),
            "can_log": permanence.status != PermanenceStatus.CANCELLED
            and permanence.date <= timezone.localdate(),
        },
    )


@require_GET
def search(request):
    """Results as you type (htmx swaps the `results` partial); a full page without htmx."""
    require_files(request)
    query = request.GET.get("q", "")[:100]
    permanence = None
    if request.GET.get("permanence", "").isdigit():
        permanence = Permanence.objects.filter(pk=request.GET["permanence"]).select_related("venue").first()
    results = list(Beneficiary.objects.search(query).for_listing()[:SEARCH_LIMIT]) if query.strip() else []
    context = {"query": query, "results": results, "permanence": permanence, "limit": SEARCH_LIMIT}
    template = "beneficiaries/search.html#results" if request.htmx else "beneficiaries/search.html"
    return render(request, template, context)


# --- the person's file ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def create(request):
    """Create a file in seconds; likely duplicates are shown before saving."""
    require_files(request, edit=True)
    permanence_id = request.GET.get("permanence", "")
    permanence = Permanence.objects.filter(pk=permanence_id).first() if permanence_id.isdigit() else None
    duplicates = []
    if request.method == "POST":
        form = BeneficiaryCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                check_not_submitted(token=data["token"], user=request.user)
            except AlreadySubmitted as error:
                return already_submitted(request, error, reverse("beneficiaries:list"))
            duplicates = list(
                Beneficiary.objects.likely_duplicates(
                    last_name=data["last_name"], first_name=data["first_name"], birth_date=data["birth_date"]
                )[:10]
            )
            if not duplicates or data["confirm_new"]:
                try:
                    person = submit_once(
                        token=data["token"],
                        user=request.user,
                        create=lambda: beneficiary_create(data=form.save_data(), user=request.user),
                        result_url=lambda p: reverse("beneficiaries:detail", args=[p.pk]),
                    )
                except AlreadySubmitted as error:
                    return already_submitted(request, error, reverse("beneficiaries:list"))
                messages.success(request, f"Dossier {person.ref} créé.")
                if permanence is not None:
                    return redirect("beneficiaries:visit_create", person.pk, permanence.pk)
                return redirect("beneficiaries:detail", person.pk)
            # Shown once; sending the form again means "create it anyway".
            form = BeneficiaryCreateForm({**request.POST.dict(), "confirm_new": "on"})
            form.is_valid()
    else:
        form = BeneficiaryCreateForm(
            initial={"token": new_token(), "last_name": request.GET.get("nom", "")[:100]}
        )
    return render(
        request,
        "beneficiaries/create.html",
        {"form": form, "duplicates": duplicates, "permanence": permanence},
        status=400 if form.errors else 200,
    )


@require_GET
def detail(request, pk: int):
    person = get_beneficiary_for_user(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "beneficiaries/detail.html",
        {
            "person": person,
            "visits": person.visits.for_timeline(),
            "referrals": person.referrals.select_related("visit"),
            "outcomes": person.outcomes.all(),
            "today_permanences": Permanence.objects.on(today)
            .exclude(status=PermanenceStatus.CANCELLED)
            .select_related("venue"),
            "can_manage": perms.can_manage_files(request.user),
        },
    )


def _changes(form, current: Beneficiary) -> list[dict]:
    """Field by field: what the user typed and what is saved now, for the conflict page."""
    rows = []
    for name in form.Meta.fields:
        field = current._meta.get_field(name)
        theirs = getattr(current, name)
        mine = form.cleaned_data.get(name)
        if hasattr(current, f"get_{name}_display"):
            choices = dict(field.flatchoices)
            theirs_text, mine_text = choices.get(theirs, theirs), choices.get(mine, mine)
        else:
            theirs_text, mine_text = theirs, mine
        rows.append(
            {
                "label": field.verbose_name,
                "mine": mine_text if mine_text not in (None, "") else "—",
                "theirs": theirs_text if theirs_text not in (None, "") else "—",
                "differs": (mine or None) != (theirs or None),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """Edit with optimistic locking: a concurrent save shows a conflict page, never overwrites."""
    person = get_beneficiary_for_user(request, pk, edit=True)
    if request.method == "POST":
        form = BeneficiaryEditForm(request.POST, instance=person)
        if form.is_valid():
            try:
                beneficiary_update(
                    beneficiary_id=person.pk,
                    expected_version=form.cleaned_data["version"],
                    data=form.save_data(),
                    user=request.user,
                )
            except EditConflict as conflict:
                fresh = BeneficiaryEditForm(
                    instance=conflict.current, initial={"version": conflict.current.version}
                )
                return render(
                    request,
                    "beneficiaries/conflict.html",
                    {"person": conflict.current, "changes": _changes(form, conflict.current), "form": fresh},
                    status=409,
                )
            messages.success(request, "Dossier enregistré.")
            return redirect("beneficiaries:detail", person.pk)
    else:
        form = BeneficiaryEditForm(instance=person, initial={"version": person.version})
    return render(
        request,
        "beneficiaries/edit.html",
        {"person": person, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def trail(request, pk: int):
    """Who read or changed this file, and when (coordination only)."""
    person = get_beneficiary_for_user(request, pk, manage=True)
    page = Paginator(AuditEntry.objects.for_file(person.ref), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "beneficiaries/trail.html",
        {"person": person, "page": page, "query": "", "retention_days": settings.AUDIT_RETENTION_DAYS},
    )


@require_http_methods(["GET", "POST"])
def anonymise(request, pk: int):
    """Anonymise one file on request (RGPD), with a reason (coordination only)."""
    person = get_beneficiary_for_user(request, pk, manage=True)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary_anonymise(beneficiary=person, reason=form.cleaned_data["reason"], user=request.user)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Dossier {person.ref} anonymisé.")
            return redirect("beneficiaries:detail", person.pk)
    return render(
        request,
        "beneficiaries/anonymise.html",
        {"person": person, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def access_document(request, pk: int):
    """Right of access: everything held about one person, as a PDF (coordination only)."""
    person = get_beneficiary_for_user(request, pk, manage=True)
    audit_record(action=AuditAction.ACCESS_REQUEST, user=request.user, obj=person)
    pdf = render_pdf(
        "beneficiaries/access_document.pdf.html",
        {
            "person": person,
            "visits": person.visits.for_timeline().order_by("date", "pk"),
            "referrals": person.referrals.order_by("proposed_on", "pk"),
            "outcomes": person.outcomes.order_by("start_date", "pk"),
            "trail": AuditEntry.objects.for_file(person.ref),
            "now": timezone.localtime(),
        },
        stylesheet="beneficiaries/document.css",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="droit-acces-{person.ref}.pdf"'
    return response


@require_GET
def register(request):
    """Registre des traitements, for the DPO: purposes, data, recipients, retention."""
    if not (perms.can_manage_files(request.user) or request.user.is_staff):
        raise PermissionDenied
    return render(
        request,
        "beneficiaries/register.html",
        {"retention_days": settings.RETENTION_DAYS, "audit_days": settings.AUDIT_RETENTION_DAYS},
    )


@require_POST
def notice_given(request, pk: int):
    person = get_beneficiary_for_user(request, pk, edit=True)
    beneficiary_notice_given(beneficiary=person, user=request.user)
    messages.success(request, "Remise de la notice d'information enregistrée.")
    return redirect("beneficiaries:detail", person.pk)


@require_GET
def notice(request):
    """The information notice, to print and hand over."""
    require_files(request)
    return render(request, "beneficiaries/notice.html")


# --- visits, referrals, outcomes --------------------------------------------


@require_http_methods(["GET", "POST"])
def visit_create(request, pk: int, permanence_pk: int):
    person = get_beneficiary_for_user(request, pk, edit=True)
    permanence = get_permanence_for_desk(request, permanence_pk)
    existing = Visit.objects.filter(beneficiary=person, permanence=permanence).first()
    if existing is not None:
        messages.info(request, "Le rendez-vous de cette personne dans cette permanence est déjà enregistré.")
        return redirect("beneficiaries:detail", person.pk)
    if request.method == "POST":
        form = VisitForm(request.POST)
        referrals = ReferralFormSet(request.POST, prefix="orientations")
        if form.is_valid() and referrals.is_valid():
            data = form.cleaned_data
            try:
                submit_once(
                    token=data["token"],
                    user=request.user,
                    create=lambda: visit_record(
                        beneficiary=person,
                        permanence=permanence,
                        counsellor=request.user,
                        topics=list(data["topics"]),
                        notes=data["notes"],
                        duration_minutes=data["duration_minutes"],
                        referrals=[
                            (r["partner"], r["detail"]) for r in referrals.cleaned_data if r.get("partner")
                        ],
                        next_step=data["next_step"],
                        next_step_due=data["next_step_due"],
                    ),
                    result_url=lambda v: reverse("beneficiaries:desk", args=[permanence.pk]),
                )
            except AlreadySubmitted as error:
                return already_submitted(request, error, reverse("beneficiaries:desk", args=[permanence.pk]))
            except VisitAlreadyRecorded:
                messages.info(
                    request, "Le rendez-vous de cette personne dans cette permanence est déjà enregistré."
                )
                return redirect("beneficiaries:detail", person.pk)
            except BeneficiaryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"Rendez-vous de {person.first_name} {person.last_name} enregistré."
                )
                return redirect("beneficiaries:desk", permanence.pk)
    else:
        form = VisitForm(initial={"token": new_token()})
        referrals = ReferralFormSet(prefix="orientations")
    return render(
        request,
        "beneficiaries/visit_form.html",
        {
            "person": person,
            "permanence": permanence,
            "form": form,
            "referrals": referrals,
            "first_visit": not person.visits.exists(),
        },
        status=400 if form.errors or referrals.total_error_count() else 200,
    )


@require_POST
def visit_next_step_done(request, pk: int):
    require_files(request, edit=True)
    visit = get_object_or_404(Visit, pk=pk)
    try:
        next_step_done(visit=visit, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Prochaine étape marquée comme faite.")
    return redirect(_back(request, reverse("beneficiaries:detail", args=[visit.beneficiary_id])))


@require_POST
def referral_status(request, pk: int):
    require_files(request, edit=True)
    referral = get_object_or_404(Referral, pk=pk)
    form = ReferralStatusForm(request.POST)
    if form.is_valid():
        referral_set_status(referral=referral, status=form.cleaned_data["status"], user=request.user)
        messages.success(
            request, f"Orientation {referral.get_partner_display()} : {referral.get_status_display()}."
        )
    else:
        messages.error(request, "Suite inconnue : rien n'a été modifié.")
    return redirect(_back(request, reverse("beneficiaries:detail", args=[referral.beneficiary_id])))


def _back(request, fallback: str) -> str:
    """Return to the page the one-click action came from (same site only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def outcome_form(request, pk: int, outcome_pk: int | None = None):
    """Record an outcome (create, with a one-time token) or correct one."""
    person = get_beneficiary_for_user(request, pk, edit=True)
    outcome = get_object_or_404(Outcome, pk=outcome_pk, beneficiary=person) if outcome_pk else None
    form_class = OutcomeForm if outcome else OutcomeCreateForm
    form = form_class(
        request.POST or None, instance=outcome, initial={} if outcome else {"token": new_token()}
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in OutcomeForm.Meta.fields}
        if outcome is not None:
            outcome_update(outcome=outcome, data=data, user=request.user)
        else:
            try:
                submit_once(
                    token=form.cleaned_data["token"],
                    user=request.user,
                    create=lambda: outcome_record(beneficiary=person, data=data, user=request.user),
                    result_url=lambda o: reverse("beneficiaries:detail", args=[person.pk]),
                )
            except AlreadySubmitted as error:
                return already_submitted(request, error, reverse("beneficiaries:detail", args=[person.pk]))
        messages.success(request, "Sortie enregistrée.")
        return redirect("beneficiaries:detail", person.pk)
    return render(
        request,
        "beneficiaries/outcome_form.html",
        {"person": person, "form": form, "outcome": outcome},
        status=400 if form.errors else 200,
    )


# --- follow-up and lists ----------------------------------------------------


UNSEEN_FOR = datetime.timedelta(days=90)


@require_GET
def followups(request):
    """À relancer: referrals without result after 15 days, next steps due,
    persons with an open referral not seen for 3 months."""
    require_files(request)
    today = timezone.localdate()
    return render(
        request,
        "beneficiaries/followups.html",
        {
            "referrals": Referral.objects.awaiting_result(today)
            .select_related("beneficiary")
            .order_by("proposed_on", "pk"),
            "next_steps": Visit.objects.next_steps_due(today)
            .select_related("beneficiary", "permanence__venue")
            .order_by("next_step_due", "pk"),
            "unseen": Beneficiary.objects.with_open_referral_unseen_since(today - UNSEEN_FOR)
            .select_related("quarter")
            .order_by("last_visit", "pk"),
            "status_form": ReferralStatusForm(),
            "today": today,
        },
    )


def _paginated_list(request, filterset, template: str, extra: dict | None = None):
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), **(extra or {})}
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def person_list(request):
    require_files(request)
    filterset = PersonFilter(request.GET or None, queryset=Beneficiary.objects.for_listing())
    return _paginated_list(request, filterset, "beneficiaries/person_list.html")


@require_GET
def visit_list(request):
    require_files(request)
    filterset = VisitFilter(
        request.GET or None, queryset=Visit.objects.for_timeline().select_related("beneficiary")
    )
    return _paginated_list(request, filterset, "beneficiaries/visit_list.html")

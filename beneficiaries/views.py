"""The counsellor's pages: the desk of a session, the search, a person's file,
the lists and the follow-ups. Visits, referrals and outcomes are in
`activity_views.py`, the RGPD pages in `rgpd_views.py`, coordination's data
pages in `data_views.py`."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.params import ascii_int
from core.responses import render_form
from core.submissions import check_not_submitted, new_token, submit_once
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, PublicInfo

from . import perms, timeline, workshop_views
from .consent import beneficiary_create_consenting, beneficiary_update_consenting, consent_rows
from .filters import PersonFilter, VisitFilter
from .forms import BeneficiaryCreateForm, BeneficiaryEditForm, ReferralStatusForm, changes
from .models import SEARCH_LIMIT, UNSEEN_FOR, Appointment, Beneficiary, Referral, Visit, Workshop
from .services import (
    BeneficiaryError,
    EditConflict,
    beneficiary_notice_given,
    beneficiary_read,
    files_listed,
)

PAGE_SIZE = 25


def _permanence_asked(request) -> Permanence | None:
    """The session named by `?permanence=`, when the page was opened from its desk."""
    pk = ascii_int(request.GET.get("permanence", ""))
    return Permanence.objects.filter(pk=pk).select_related("venue").first() if pk is not None else None


def _workshop_asked(request) -> Workshop | None:
    """The workshop named by `?atelier=`, when the page was opened from its page (at the door)."""
    pk = ascii_int(request.GET.get("atelier", ""))
    return Workshop.objects.filter(pk=pk).select_related("venue", "theme").first() if pk is not None else None


# --- the desk: one session, search, people seen -----------------------------


@require_GET
def desk(request, pk: int):
    """Receive walk-ins during one session: find or create the person, then log the visit."""
    permanence = perms.get_desk_permanence_for_user(request, pk)
    visits = list(
        permanence.visits.select_related("beneficiary", "counsellor")
        .prefetch_related("topics")
        .order_by("created_at")
    )
    expected = list(
        permanence.appointments.active().with_state().select_related("beneficiary").order_by("time")
    )
    files_listed(
        what="personnes attendues et reçues dans la permanence",
        count=len({row.beneficiary_id for row in (*expected, *visits)}),
        user=request.user,
        obj=permanence,
    )
    return render(
        request,
        "beneficiaries/desk.html",
        {
            "permanence": permanence,
            "visits": visits,
            "expected": expected,
            "can_log": not permanence.is_cancelled and permanence.date <= timezone.localdate(),
        },
    )


@require_GET
def search(request):
    """Results as you type (htmx swaps the `results` partial); a full page without htmx."""
    perms.require_view_files(request)
    query = request.GET.get("q", "")[:100]
    # One more than shown, to say only when there are more.
    found = list(Beneficiary.objects.search(query).for_listing()[: SEARCH_LIMIT + 1]) if query.strip() else []
    results = found[:SEARCH_LIMIT]
    files_listed(what="recherche", count=len(results), user=request.user)
    context = {
        "query": query,
        "results": results,
        "more": len(found) > SEARCH_LIMIT,
        "permanence": _permanence_asked(request),
        "workshop": _workshop_asked(request),
        "today": timezone.localdate(),
        "limit": SEARCH_LIMIT,
    }
    template = "beneficiaries/search.html#results" if request.htmx else "beneficiaries/search.html"
    return render(request, template, context)


# --- the person's file ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def create(request):
    """Create a file in seconds; likely duplicates are shown before saving."""
    perms.require_edit_files(request)
    permanence, workshop = _permanence_asked(request), _workshop_asked(request)
    duplicates = []
    form = BeneficiaryCreateForm(
        request.POST or None, initial={"token": new_token(), "last_name": request.GET.get("nom", "")[:100]}
    )
    if request.method == "POST" and form.is_valid():
        data, fallback = form.cleaned_data, reverse("beneficiaries:list")
        check_not_submitted(token=data["token"], user=request.user, fallback=fallback)
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
                    create=lambda: beneficiary_create_consenting(
                        data=form.save_data(), consents=form.consents(), user=request.user
                    ),
                    result_url=lambda p: reverse("beneficiaries:detail", args=[p.pk]),
                    fallback=fallback,
                )
            except BeneficiaryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Dossier {person.ref} créé.")
                if workshop is not None:
                    return workshop_views.register_created(request, workshop, person)
                if permanence is not None:
                    return redirect("beneficiaries:visit_create", person.pk, permanence.pk)
                return redirect("beneficiaries:detail", person.pk)
        else:
            files_listed(what="dossiers proches d'une création", count=len(duplicates), user=request.user)
            # Shown once; sending the form again means "create it anyway".
            form = BeneficiaryCreateForm({**request.POST.dict(), "confirm_new": "on"})
            form.is_valid()
    return render_form(
        request,
        "beneficiaries/create.html",
        {
            "form": form,
            "duplicates": duplicates,
            "permanence": permanence,
            "workshop": workshop,
            "today": timezone.localdate(),
        },
        form,
    )


@require_GET
def detail(request, pk: int):
    """The file: identity, and one timeline of what happened (timeline.py), filtered by `?type=`."""
    person = perms.get_beneficiary_for_user(request, pk)
    beneficiary_read(beneficiary=person, user=request.user)
    kinds = timeline.kinds()
    kind = request.GET.get("type", "")
    kind = kind if kind in dict(kinds) else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "beneficiaries/detail.html",
        {
            "person": person,
            "consents": [] if person.anonymised_at else consent_rows(person),
            "page": timeline.timeline_page(person, kind=kind, number=request.GET.get("page")),
            "kinds": kinds,
            "kind": kind,
            "query": query.urlencode(),
            "open_workshops": []
            if person.anonymised_at
            else Workshop.objects.open_on(timezone.localdate())
            .exclude(registrations__beneficiary=person)
            .select_related("theme", "venue")
            .order_by("date", "start_time")[:50],
            "today_permanences": Permanence.objects.on(timezone.localdate())
            .exclude(status=PermanenceStatus.CANCELLED)
            .select_related("venue"),
            "can_manage": perms.can_manage_files(request.user),
            # An anonymised file is read-only: no action on its entries.
            "actions": person.anonymised_at is None,
            "can_claim": person.referent_id is None
            and person.anonymised_at is None
            and perms.can_have_caseload(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """Edit with optimistic locking: a concurrent save shows a conflict page, never overwrites."""
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
        form = BeneficiaryEditForm(instance=person, initial={"version": person.version})
    else:
        form = BeneficiaryEditForm(request.POST, instance=person)
    if form.is_bound and form.is_valid():
        try:
            beneficiary_update_consenting(
                beneficiary_id=person.pk,
                expected_version=form.cleaned_data["version"],
                data=form.save_data(),
                consents=form.consents(),
                user=request.user,
            )
        except EditConflict as conflict:
            current = conflict.current
            beneficiary_read(beneficiary=current, user=request.user)
            fresh = BeneficiaryEditForm(instance=current, initial={"version": current.version})
            return render(
                request,
                "beneficiaries/conflict.html",
                {"person": current, "changes": changes(form, current), "form": fresh},
                status=409,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Dossier enregistré.")
            return redirect("beneficiaries:detail", person.pk)
    return render_form(request, "beneficiaries/edit.html", {"person": person, "form": form}, form)


@require_POST
def notice_given(request, pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    try:
        beneficiary_notice_given(beneficiary=person, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Remise de la notice d'information enregistrée.")
    return redirect("beneficiaries:detail", person.pk)


@require_GET
def notice(request):
    """The information notice, to print and hand over."""
    perms.require_view_files(request)
    quiet = settings.SMS_QUIET_HOURS.strip()
    context = {
        "info": PublicInfo.objects.current(),
        "retention_days": settings.RETENTION_DAYS,
        "reminder_lead_hours": settings.REMINDER_LEAD_HOURS,
        # How long the withdrawal link of an e-mail stays valid (messaging/withdrawal.py).
        "link_days": settings.CONSENT_LINK_MAX_AGE_DAYS,
        # No SMS between these hours ("20:00-08:00"): messaging/quiet.py.
        "sms_quiet": [part.strip() for part in quiet.split("-")] if quiet else None,
    }
    return render(request, "beneficiaries/notice.html", context)


# --- follow-up and lists ----------------------------------------------------


@require_GET
def followups(request):
    """À relancer: follow-up appointments missed in the last 3 months by persons
    not seen since, referrals without result after 15 days, next steps due,
    persons with an open referral not seen for 3 months."""
    perms.require_view_files(request)
    today = timezone.localdate()
    referrals = list(
        Referral.objects.awaiting_result(today).select_related("beneficiary").order_by("proposed_on", "pk")
    )
    next_steps = list(
        Visit.objects.next_steps_due(today)
        .select_related("beneficiary", "permanence__venue")
        .order_by("next_step_due", "pk")
    )
    unseen = list(
        Beneficiary.objects.with_open_referral_unseen_since(today - UNSEEN_FOR)
        .select_related("quarter")
        .order_by("last_visit", "pk")
    )
    missed = list(
        Appointment.objects.missed_since(today - UNSEEN_FOR)
        .select_related("beneficiary", "permanence__venue")
        .order_by("-permanence__date", "pk")
    )
    persons = {row.beneficiary_id for row in (*missed, *referrals, *next_steps)} | {p.pk for p in unseen}
    files_listed(what="à relancer", count=len(persons), user=request.user)
    return render(
        request,
        "beneficiaries/followups.html",
        {
            "missed": missed,
            "referrals": referrals,
            "next_steps": next_steps,
            "unseen": unseen,
            "status_form": ReferralStatusForm(),
            "today": today,
        },
    )


def paginated_list(
    request, filterset, template: str, *, what: str, person_of, page_size: int = PAGE_SIZE, extra=None
):
    """One page of a filtered list (`extra`: more of the page's context); the trail notes
    how many files it shows (`person_of(row)`: the file id of a row)."""
    page = Paginator(filterset.qs, page_size).get_page(request.GET.get("page"))
    files_listed(what=what, count=len({person_of(row) for row in page.object_list}), user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), **(extra or {})}
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def person_list(request):
    perms.require_view_files(request)
    filterset = PersonFilter(request.GET or None, queryset=Beneficiary.objects.for_listing())
    return paginated_list(
        request,
        filterset,
        "beneficiaries/person_list.html",
        what="liste des personnes",
        person_of=lambda person: person.pk,
    )


@require_GET
def visit_list(request):
    perms.require_view_files(request)
    filterset = VisitFilter(
        request.GET or None, queryset=Visit.objects.for_timeline().select_related("beneficiary")
    )
    return paginated_list(
        request,
        filterset,
        "beneficiaries/visit_list.html",
        what="liste des rendez-vous",
        person_of=lambda visit: visit.beneficiary_id,
    )

"""The workshops' pages: the list, a workshop with its registrations and
attendance, the forms that create or change one, and the actions that register
a person (from their file, or at the door), take a registration back and mark
attendance. Counsellors and coordination; the city sees only the bilan."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .activity_views import _back
from .enums import AttendanceMark
from .filters import WorkshopFilter
from .models import Workshop, WorkshopRegistration
from .services import BeneficiaryError, files_listed
from .workshop_forms import AttendanceForm, RegistrationForm, WorkshopCreateForm, WorkshopEditForm
from .workshop_services import (
    attendance_mark,
    registration_add,
    registration_remove,
    workshop_create,
    workshop_update,
)

PAGE_SIZE = 25


def _name(registration: WorkshopRegistration) -> str:
    return f"{registration.beneficiary.first_name} {registration.beneficiary.last_name}"


def _promoted_message(request, promoted: list[WorkshopRegistration]) -> None:
    for registration in promoted:
        messages.info(request, f"{_name(registration)} passe de la liste d'attente à l'atelier.")


@require_GET
def workshop_list(request):
    perms.require_manage_workshops(request)
    data = request.GET.copy()
    if "period" not in data:
        data["period"] = "a_venir"
    filterset = WorkshopFilter(data, queryset=Workshop.objects.for_listing())
    workshops = filterset.qs
    if not workshops.ordered:  # all periods, or a period refused: the latest first
        workshops = workshops.order_by("-date", "-start_time", "pk")
    page = Paginator(workshops, PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    template = "beneficiaries/workshops/list.html"
    return render(request, template + "#results" if request.htmx else template, context)


@require_http_methods(["GET", "POST"])
def workshop_create_view(request):
    perms.require_manage_workshops(request)
    form = WorkshopCreateForm(request.POST or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        fallback = reverse("beneficiaries:workshops")
        try:
            workshop = submit_once(
                token=form.cleaned_data["token"],
                user=request.user,
                create=lambda: workshop_create(data=form.save_data(), user=request.user),
                result_url=lambda created: reverse("beneficiaries:workshop", args=[created.pk]),
                fallback=fallback,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Atelier créé.")
            return redirect("beneficiaries:workshop", workshop.pk)
    return render_form(request, "beneficiaries/workshops/form.html", {"form": form, "workshop": None}, form)


@require_http_methods(["GET", "POST"])
def workshop_edit(request, pk: int):
    workshop = perms.get_workshop_for_user(request, pk)
    form = WorkshopEditForm(request.POST or None, instance=workshop, initial={"status": workshop.status})
    if request.method == "POST" and form.is_valid():
        try:
            promoted = workshop_update(workshop=workshop, data=form.save_data(), user=request.user)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Atelier enregistré.")
            _promoted_message(request, promoted)
            return redirect("beneficiaries:workshop", workshop.pk)
    context = {"form": form, "workshop": workshop}
    return render_form(request, "beneficiaries/workshops/form.html", context, form)


def _registrations(workshop: Workshop) -> list[WorkshopRegistration]:
    return list(workshop.registrations.in_order())


def _detail(request, workshop: Workshop, form: AttendanceForm, *, status: int = 200):
    registrations = form.all_registrations
    files_listed(
        what="inscrits à un atelier",
        count=len(registrations),
        user=request.user,
        obj=workshop,
    )
    today = timezone.localdate()
    with_place = [r for r in registrations if r.has_place]
    context = {
        "workshop": workshop,
        "form": form,
        "rows": form.rows(),
        "places_taken": len(with_place),
        "waiting": len(registrations) - len(with_place),
        "present": sum(r.attendance == AttendanceMark.PRESENT for r in with_place),
        "can_register": not workshop.is_cancelled,
        "at_the_door": workshop.date <= today,
        "can_mark": not workshop.is_cancelled and workshop.date <= today,
    }
    return render(request, "beneficiaries/workshops/detail.html", context, status=status)


@require_GET
def workshop_detail(request, pk: int):
    workshop = perms.get_workshop_for_user(request, pk)
    return _detail(request, workshop, AttendanceForm(_registrations(workshop)))


@require_POST
def workshop_attendance(request, pk: int):
    workshop = perms.get_workshop_for_user(request, pk)
    form = AttendanceForm(_registrations(workshop), request.POST)
    if form.is_valid():
        try:
            changed = attendance_mark(workshop=workshop, marks=form.marks(), user=request.user)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Présences enregistrées ({changed} modification{'s' if changed > 1 else ''})."
            )
            return redirect("beneficiaries:workshop", workshop.pk)
    return _detail(request, workshop, form, status=400)


@require_POST
def workshop_register(request):
    """Register a person for a workshop: from their file, from the workshop's search,
    or at the door (`present`)."""
    perms.require_manage_workshops(request)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return render(request, "beneficiaries/workshops/refused.html", {"form": form}, status=400)
    data = form.cleaned_data
    workshop = perms.get_workshop_for_user(request, data["workshop"])
    person = perms.get_beneficiary_for_user(request, data["beneficiary"], edit=True)
    page = reverse("beneficiaries:workshop", args=[workshop.pk])
    try:
        registration = registration_add(
            workshop=workshop, beneficiary=person, user=request.user, present=data["present"]
        )
    except BeneficiaryError as error:
        form.add_error(None, str(error))
        context = {"form": form, "workshop": workshop}
        return render(request, "beneficiaries/workshops/refused.html", context, status=400)
    messages.success(request, registered_message(registration))
    return redirect(_back(request, page))


def register_created(request, workshop: Workshop, person):
    """A file just created from a workshop's page: register the person (present at the door)."""
    try:
        registration = registration_add(
            workshop=workshop,
            beneficiary=person,
            user=request.user,
            present=workshop.date <= timezone.localdate(),
        )
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, registered_message(registration))
    return redirect("beneficiaries:workshop", workshop.pk)


def registered_message(registration: WorkshopRegistration) -> str:
    """What a registration gave, in French: a place (and presence), or a rank on the waiting list."""
    if not registration.has_place:
        rank = registration.workshop.registrations.waiting().filter(pk__lte=registration.pk).count()
        return f"Atelier complet : {_name(registration)} est sur la liste d'attente (rang {rank})."
    if registration.attendance == AttendanceMark.PRESENT:
        return f"{_name(registration)} : inscription et présence enregistrées."
    return f"{_name(registration)} est inscrit·e à l'atelier."


@require_POST
def workshop_unregister(request, pk: int):
    registration = perms.get_registration_for_user(request, pk)
    workshop = registration.workshop
    try:
        promoted = registration_remove(registration=registration, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Inscription de {_name(registration)} retirée.")
        _promoted_message(request, promoted)
    return redirect(_back(request, reverse("beneficiaries:workshop", args=[workshop.pk])))

"""What was done with a person: log a visit (with its referrals), record a
referral's result or a next step done in one click, record an outcome.
Corrections are in correction_views.py."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .appointment_services import bookable_sessions, visit_record_and_book
from .forms import (
    AppointmentForm,
    OutcomeCreateForm,
    OutcomeForm,
    ReferralFormSet,
    ReferralStatusForm,
    VisitForm,
)
from .models import Visit
from .services import (
    BeneficiaryError,
    VisitAlreadyRecorded,
    beneficiary_read,
    next_step_done,
    outcome_record,
    referral_set_status,
)

ALREADY_RECORDED = "Le rendez-vous de cette personne dans cette permanence est déjà enregistré."


@require_http_methods(["GET", "POST"])
def visit_create(request, pk: int, permanence_pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    permanence = perms.get_desk_permanence_for_user(request, permanence_pk)
    if Visit.objects.filter(beneficiary=person, permanence=permanence).exists():
        messages.info(request, ALREADY_RECORDED)
        return redirect("beneficiaries:detail", person.pk)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    form = VisitForm(request.POST or None, initial={"token": new_token()})
    referrals = ReferralFormSet(request.POST or None, prefix="orientations")
    booking = AppointmentForm(
        request.POST or None,
        prefix="suivi",
        optional=True,
        sessions=bookable_sessions().exclude(pk=permanence.pk),
    )
    if request.method == "POST" and all([form.is_valid(), referrals.is_valid(), booking.is_valid()]):
        data, desk = form.cleaned_data, reverse("beneficiaries:desk", args=[permanence.pk])
        try:
            submit_once(
                token=data["token"],
                user=request.user,
                create=lambda: visit_record_and_book(
                    booking=booking.booking,
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
                result_url=lambda visit: desk,
                fallback=desk,
            )
        except VisitAlreadyRecorded:
            messages.info(request, ALREADY_RECORDED)
            return redirect("beneficiaries:detail", person.pk)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Rendez-vous de {person.first_name} {person.last_name} enregistré.")
            return redirect(desk)
    context = {
        "person": person,
        "permanence": permanence,
        "form": form,
        "referrals": referrals,
        "booking": booking,
        "first_visit": not person.visits.exists(),
    }
    return render_form(request, "beneficiaries/visit_form.html", context, form, referrals, booking)


def _back(request, fallback: str) -> str:
    """Return to the page the one-click action came from (same site only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
def visit_next_step_done(request, pk: int):
    visit = perms.get_visit_for_user(request, pk)
    try:
        next_step_done(visit=visit, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Prochaine étape marquée comme faite.")
    return redirect(_back(request, reverse("beneficiaries:detail", args=[visit.beneficiary_id])))


@require_POST
def referral_status(request, pk: int):
    referral = perms.get_referral_for_user(request, pk)
    form = ReferralStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Suite inconnue : rien n'a été modifié.")
        return redirect(_back(request, reverse("beneficiaries:detail", args=[referral.beneficiary_id])))
    try:
        referral_set_status(referral=referral, status=form.cleaned_data["status"], user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Orientation {referral.get_partner_display()} : {referral.get_status_display()}."
        )
    return redirect(_back(request, reverse("beneficiaries:detail", args=[referral.beneficiary_id])))


@require_http_methods(["GET", "POST"])
def outcome_form(request, pk: int):
    """Record an outcome (with a one-time token); correcting one is in correction_views.py."""
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    form = OutcomeCreateForm(request.POST or None, initial={"token": new_token()})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in OutcomeForm.Meta.fields}
        file_page = reverse("beneficiaries:detail", args=[person.pk])
        try:
            submit_once(
                token=form.cleaned_data["token"],
                user=request.user,
                create=lambda: outcome_record(beneficiary=person, data=data, user=request.user),
                result_url=lambda created: file_page,
                fallback=file_page,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Sortie enregistrée.")
            return redirect(file_page)
    return render_form(request, "beneficiaries/outcome_form.html", {"person": person, "form": form}, form)

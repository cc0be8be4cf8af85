"""Follow-up appointments from the file: book one at a coming session, cancel one.
(Booking at the end of a visit goes with the visit form: activity_views.py.)"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .appointment_services import appointment_book, appointment_cancel, bookable_sessions
from .forms import AppointmentCreateForm
from .services import BeneficiaryError, beneficiary_read


@require_http_methods(["GET", "POST"])
def appointment_create(request, pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    form = AppointmentCreateForm(
        request.POST or None, sessions=bookable_sessions(), initial={"token": new_token()}
    )
    if request.method == "POST" and form.is_valid():
        file_page = reverse("beneficiaries:detail", args=[person.pk])
        try:
            appointment = submit_once(
                token=form.cleaned_data["token"],
                user=request.user,
                create=lambda: appointment_book(beneficiary=person, **form.booking, user=request.user),
                result_url=lambda created: file_page,
                fallback=file_page,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Rendez-vous de suivi pris : {_when(appointment)}.")
            return redirect(file_page)
    return render_form(
        request,
        "beneficiaries/appointment_form.html",
        {"person": person, "form": form},
        form,
    )


@require_POST
def appointment_cancel_view(request, pk: int):
    appointment = perms.get_appointment_for_user(request, pk)
    try:
        appointment_cancel(appointment=appointment, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Rendez-vous de suivi du {_when(appointment)} annulé.")
    return redirect("beneficiaries:detail", appointment.beneficiary_id)


def _when(appointment) -> str:
    permanence = appointment.permanence
    return f"{permanence.date:%d/%m/%Y} à {appointment.time:%H:%M}, {permanence.venue.name}"

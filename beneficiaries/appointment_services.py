"""Follow-up appointments: book a person at a coming session, cancel a booking.

Honouring and missing need no call: an appointment's state is read from the
visits and the sessions (models/appointments.py).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from .enums import AppointmentState
from .models import Appointment, Beneficiary, Visit
from .models.appointments import session_ended, time_refused
from .services import BeneficiaryError, _identified_file, visit_record

# How far ahead a follow-up appointment can be booked.
BOOKING_HORIZON = datetime.timedelta(weeks=12)
ALREADY_BOOKED = "Cette personne a déjà un rendez-vous de suivi à cette permanence."


def bookable_sessions():
    """Sessions a person can be booked at: not cancelled, not ended, within the horizon.

    From today on (an ended session may be of today): the index on the date then
    reads the coming weeks only, never the years of past sessions."""
    today = timezone.localdate()
    return (
        Permanence.objects.exclude(status=PermanenceStatus.CANCELLED)
        .exclude(session_ended(prefix=""))
        .filter(date__gte=today, date__lte=today + BOOKING_HORIZON)
        .select_related("venue")
        .order_by("date", "start_time", "venue__name")
    )


@transaction.atomic
def appointment_book(
    *, beneficiary: Beneficiary, permanence: Permanence, time: datetime.time, purpose: str, user
) -> Appointment:
    """Book the person at a coming session (the session is locked: a cancellation waits)."""
    _identified_file(beneficiary.pk)
    permanence = bookable_sessions().select_for_update(of=("self",)).filter(pk=permanence.pk).first()
    if permanence is None:
        raise BeneficiaryError(
            "Cette permanence n'accepte plus de rendez-vous (annulée, terminée ou trop lointaine) : "
            "choisissez-en une autre."
        )
    if refused := time_refused(permanence, time):
        raise BeneficiaryError(refused)
    if Appointment.objects.filter(
        beneficiary=beneficiary, permanence=permanence, cancelled_at__isnull=True
    ).exists():
        raise BeneficiaryError(ALREADY_BOOKED)
    try:
        with transaction.atomic():
            return Appointment.objects.create(
                beneficiary=beneficiary,
                permanence=permanence,
                time=time,
                purpose=purpose,
                created_by=user,
                updated_by=user,
            )
    except IntegrityError:  # booked by a concurrent request (double click) meanwhile
        raise BeneficiaryError(ALREADY_BOOKED) from None


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, user) -> Appointment:
    """Cancel a coming appointment (the person called, or the counsellor made a mistake)."""
    _identified_file(appointment.beneficiary_id)
    current = Appointment.objects.select_for_update(of=("self",)).with_state().get(pk=appointment.pk)
    if current.state != AppointmentState.BOOKED:
        raise BeneficiaryError(
            f"Ce rendez-vous de suivi ne peut plus être annulé : il est {current.state_label.lower()}."
        )
    current.cancelled_at, current.cancelled_by, current.updated_by = timezone.now(), user, user
    current.save(update_fields=["cancelled_at", "cancelled_by", "updated_by", "updated_at"])
    return current


@transaction.atomic
def visit_record_and_book(*, booking: dict | None, **visit) -> Visit:
    """Log a visit and, when the counsellor chose one, book the next follow-up: both or neither."""
    recorded = visit_record(**visit)
    if booking is not None:
        appointment_book(beneficiary=visit["beneficiary"], **booking, user=visit["counsellor"])
    return recorded

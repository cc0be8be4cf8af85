"""The reason of an automatic message, read from its key: what its text says of the place
and time, and whether a reminder still holds when it is about to be sent."""

import datetime

from django.utils import timezone

from beneficiaries.enums import AppointmentState, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Appointment, WorkshopRegistration
from permanences.models import Venue

from .enums import Kind
from .models import Message
from .texts import day_text, hour_text, one_line


def _stamp(day: datetime.date, time: datetime.time) -> str:
    """Part of a reminder's key: a moved appointment or workshop gets a new reminder."""
    return f"{day:%Y%m%d}T{time:%H%M}"


def venue_values(venue: Venue, day: datetime.date, time: datetime.time) -> dict[str, str]:
    return {
        "lieu": one_line(venue.name),
        "adresse": one_line(venue.full_address) or one_line(venue.name),
        "date": day_text(day),
        "heure": hour_text(time),
    }


def starts(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


def reminder_key(kind: str, row) -> str:
    if kind == Kind.APPOINTMENT_REMINDER:
        return f"rappel-rdv:{row.pk}:{_stamp(row.permanence.date, row.time)}"
    return f"rappel-atelier:{row.pk}:{_stamp(row.workshop.date, row.workshop.start_time)}"


def reminder_still_due(message: Message, *, now: datetime.datetime) -> bool:
    """Whether a reminder's reason still holds: the appointment or the place still
    booked, at the same day and time, not started yet (one query)."""
    prefix, pk, stamp = (message.dedup_key or "::").split(":")[:3]
    if prefix == "rappel-rdv":
        row = (
            Appointment.objects.with_state(now=timezone.localtime(now))
            .filter(pk=pk, state=AppointmentState.BOOKED)
            .select_related("permanence")
            .first()
        )
        return (
            row is not None
            and reminder_key(Kind.APPOINTMENT_REMINDER, row).endswith(stamp)
            and starts(row.permanence.date, row.time) > now
        )
    if prefix == "rappel-atelier":
        row = (
            WorkshopRegistration.objects.filter(
                pk=pk, status=RegistrationStatus.REGISTERED, workshop__status=WorkshopStatus.PLANNED
            )
            .select_related("workshop")
            .first()
        )
        return (
            row is not None
            and reminder_key(Kind.WORKSHOP_REMINDER, row).endswith(stamp)
            and starts(row.workshop.date, row.workshop.start_time) > now
        )
    return True

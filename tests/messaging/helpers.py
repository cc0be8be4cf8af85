"""Messages made directly in the database, for the pages' tests."""

import datetime

from django.utils import timezone

from messaging.enums import Channel, Kind, Status
from messaging.models import Message


def make_message(
    person, *, channel=Channel.SMS, kind=Kind.APPOINTMENT_REMINDER, status=Status.SENT, at=None, **extra
):
    """A message queued at `at` (now by default); `sent_at` too when sent."""
    at = at or timezone.now()
    sent = status in (Status.SENT, Status.DELIVERED)
    message = Message.objects.create(
        beneficiary=person,
        channel=channel,
        kind=kind,
        status=status,
        body=extra.pop("body", f"Bonjour {person.first_name}, rendez-vous demain à 9h30."),
        sent_at=at if sent else None,
        **extra,
    )
    # created_at is set on insert: moved to `at` afterwards.
    Message.objects.filter(pk=message.pk).update(created_at=at)
    message.refresh_from_db()
    return message


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

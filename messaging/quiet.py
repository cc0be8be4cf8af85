"""Quiet hours: no SMS between SMS_QUIET_HOURS (local time, "20:00-08:00" by default).
A queued SMS waits for their end; e-mails are not held."""

import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .enums import Channel


def quiet_hours() -> tuple[datetime.time, datetime.time] | None:
    """(start, end) of the quiet hours; None when the setting is empty."""
    text = (settings.SMS_QUIET_HOURS or "").strip()
    if not text:
        return None
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS : « {text} » attendu comme 20:00-08:00.") from None
    return start, end


def quiet_until(moment: datetime.datetime) -> datetime.datetime | None:
    """When the quiet hours around `moment` end, or None if `moment` is not in them."""
    hours = quiet_hours()
    if hours is None:
        return None
    start, end = hours
    local = timezone.localtime(moment)
    time = local.time()
    inside = (start <= time or time < end) if start > end else (start <= time < end)
    if not inside:
        return None
    day = local.date() if time < end else local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=local.tzinfo)


def first_send_time(channel: str, moment: datetime.datetime) -> datetime.datetime:
    """`moment`, or the end of the quiet hours for an SMS due during them."""
    if channel == Channel.SMS and (until := quiet_until(moment)) is not None:
        return until
    return moment

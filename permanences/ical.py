"""The coming sessions as an iCalendar feed (RFC 5545), for a calendar application."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils.formats import date_format, time_format
from icalendar import Calendar, Event

from .models import PublicInfo, Venue
from .schedule import Session

PRODID = "-//Permanences emploi//Horaires publics//FR"
REFRESH = datetime.timedelta(hours=12)
HOUR = "G\\hi"  # 9h30


def next_session_text(session: Session) -> str:
    """ "Prochaine permanence : mardi 16 juin 2026, 9h30–12h30." after a cancellation."""
    following = session.next_session
    if following is None:
        return "Prochaine permanence : pas encore annoncée."
    return (
        f"Prochaine permanence : {date_format(following.date, 'l j F Y')}, "
        f"{time_format(following.start_time, HOUR)}–{time_format(following.end_time, HOUR)}."
    )


def _event(session: Session, *, domain: str, page_url: str, info: PublicInfo) -> Event:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    venue = session.venue
    summary = f"Permanence emploi — {venue.name}"
    description = info.introduction
    if session.cancelled:
        summary = f"Annulée : {summary}"
        reason = session.cancel_reason.rstrip(". ")
        description = f"Permanence annulée : {reason}.\n{next_session_text(session)}"
    event = Event.new(
        uid=f"{session.key}@{domain}",
        start=datetime.datetime.combine(session.date, session.start_time, tzinfo=tz),
        end=datetime.datetime.combine(session.date, session.end_time, tzinfo=tz),
        summary=summary,
        description=description,
        location=", ".join(part for part in (venue.name, venue.full_address) if part),
        status="CANCELLED" if session.cancelled else "CONFIRMED",
        # A calendar application applies a change only when the sequence grows.
        sequence=1 if session.cancelled else 0,
        last_modified=session.updated_at,
        url=f"{page_url}#lieu-{venue.pk}",
        transparency="TRANSPARENT",
    )
    return event


def sessions_calendar(
    sessions: list[Session], *, venue: Venue | None, domain: str, page_url: str, info: PublicInfo
) -> bytes:
    name = f"Permanences emploi — {venue.name}" if venue else "Permanences emploi"
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"agenda-{venue.pk if venue else 'tous'}@{domain}",
        name=name,
        description=info.introduction,
        url=page_url,
        refresh_interval=REFRESH,
        method="PUBLISH",
        subcomponents=[_event(s, domain=domain, page_url=page_url, info=info) for s in sessions],
    )
    # Outlook reads this older property instead of REFRESH-INTERVAL.
    calendar.add("X-PUBLISHED-TTL", "PT12H")
    if sessions:
        # Only the time-zone transitions around the sessions, not 1970 to 2038.
        dates = [s.date for s in sessions]
        calendar.add_missing_timezones(
            first_date=min(dates) - datetime.timedelta(days=1),
            last_date=max(dates) + datetime.timedelta(days=1),
        )
    return calendar.to_ical()

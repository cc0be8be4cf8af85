"""What the public sees: the weekly hours of the active venues and their coming sessions.

Read only. The coming dates are the weekly slots' dates (`WeeklySlot.dates_between`,
the same that `services.permanences_plan` materialises) overlaid with the
sessions that already exist: cancelled (with their reason), held, or opened ad
hoc. So the public schedule is right whether or not the sessions have been
planned yet, and a public request never writes.

Nothing here reads a case file, and a counsellor's name leaves this module only
for a venue whose admin chose to publish them (`Venue.publish_counsellors`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from .enums import PermanenceStatus
from .models import Permanence, Quarter, Venue, WeeklySlot

# How far ahead the public page and the posters list the dates, and the feeds.
PAGE_WEEKS = 4
FEED_WEEKS = 12


@dataclass(frozen=True)
class PublicSlot:
    """A weekly opening as published: no counsellor unless the venue publishes them."""

    weekday: int
    weekday_label: str
    start_time: datetime.time
    end_time: datetime.time
    valid_until: datetime.date | None
    counsellors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Session:
    venue: Venue
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    cancelled: bool = False
    cancel_reason: str = ""
    # When the session's row last changed (None: not planned yet, from a slot).
    updated_at: datetime.datetime | None = None

    @property
    def key(self) -> str:
        """Stable across planning: a session is one venue, date and start time."""
        return f"{self.venue.pk}-{self.date:%Y%m%d}-{self.start_time:%H%M}"


@dataclass
class VenueSchedule:
    venue: Venue
    slots: list[PublicSlot] = field(default_factory=list)
    # Every session up to the horizon, cancelled ones included.
    sessions: list[Session] = field(default_factory=list)
    # Cancellations already announced beyond the horizon.
    later_cancellations: list[Session] = field(default_factory=list)

    @property
    def cancellations(self) -> list[Session]:
        return [s for s in self.sessions if s.cancelled] + self.later_cancellations


@dataclass
class QuarterSchedule:
    quarter: Quarter
    venues: list[VenueSchedule]


def _public_slot(slot: WeeklySlot) -> PublicSlot:
    counsellors: tuple[str, ...] = ()
    if slot.venue.publish_counsellors:
        counsellors = tuple(user.get_full_name() or user.get_username() for user in slot.counsellors.all())
    return PublicSlot(
        weekday=slot.weekday,
        weekday_label=slot.get_weekday_display(),
        start_time=slot.start_time,
        end_time=slot.end_time,
        valid_until=slot.valid_until,
        counsellors=counsellors,
    )


def venue_schedules(*, day: datetime.date, weeks: int, venue: Venue | None = None) -> list[VenueSchedule]:
    """The schedules of the active venues (or of one), from `day` for `weeks` weeks.

    Weekly hours are the slots valid on `day`. Four queries whatever the number
    of venues, slots and sessions: slots with their venue and quarter, the
    slots' counsellors, the existing sessions with their venue and quarter.
    """
    end = day + datetime.timedelta(weeks=weeks, days=-1)
    slots = WeeklySlot.objects.valid_during(day, end).for_listing()
    rows = (
        Permanence.objects.filter(venue__is_active=True, date__gte=day)
        .filter(Q(date__lte=end) | Q(status=PermanenceStatus.CANCELLED))
        .select_related("venue__quarter")
        .order_by()
    )
    if venue is not None:
        slots = slots.filter(venue=venue)
        rows = rows.filter(venue=venue)

    schedules: dict[int, VenueSchedule] = {}
    sessions: dict[str, Session] = {}
    for slot in slots:
        schedule = schedules.setdefault(slot.venue_id, VenueSchedule(slot.venue))
        if slot.is_valid_on(day):
            schedule.slots.append(_public_slot(slot))
        for date in slot.dates_between(day, end):
            session = Session(slot.venue, date, slot.start_time, slot.end_time)
            sessions.setdefault(session.key, session)
    for row in rows:
        schedules.setdefault(row.venue_id, VenueSchedule(row.venue))
        cancelled = row.status == PermanenceStatus.CANCELLED
        session = Session(
            row.venue,
            row.date,
            row.start_time,
            row.end_time,
            cancelled=cancelled,
            cancel_reason=row.cancel_reason if cancelled else "",
            updated_at=row.updated_at,
        )
        sessions[session.key] = session

    for session in sorted(sessions.values(), key=lambda s: (s.date, s.start_time)):
        schedule = schedules[session.venue.pk]
        if session.date <= end:
            schedule.sessions.append(session)
        else:
            schedule.later_cancellations.append(session)
    for schedule in schedules.values():
        schedule.slots.sort(key=lambda s: (s.weekday, s.start_time))
    return sorted(schedules.values(), key=lambda s: s.venue.name.lower())


def public_schedule(*, day: datetime.date, weeks: int = PAGE_WEEKS) -> list[QuarterSchedule]:
    """The active venues' schedules grouped by quarter, in name order."""
    by_quarter: dict[int, list[VenueSchedule]] = defaultdict(list)
    quarters: dict[int, Quarter] = {}
    for schedule in venue_schedules(day=day, weeks=weeks):
        quarters[schedule.venue.quarter_id] = schedule.venue.quarter
        by_quarter[schedule.venue.quarter_id].append(schedule)
    return [
        QuarterSchedule(quarters[pk], by_quarter[pk])
        for pk in sorted(quarters, key=lambda pk: quarters[pk].name.lower())
    ]


def all_sessions(schedules: list[VenueSchedule]) -> list[Session]:
    """Every session of these schedules, in time order (for a feed)."""
    return sorted(
        (s for schedule in schedules for s in schedule.sessions + schedule.later_cancellations),
        key=lambda s: (s.date, s.start_time, s.venue.name),
    )

"""What the public sees: the weekly hours of the active venues and their coming sessions.

Read only. The coming dates are the weekly slots' dates (`WeeklySlot.dates_between`,
the same that `services.permanences_plan` materialises) overlaid with the
sessions that already exist: cancelled (with their reason and the next session
at that venue), moved (the slot's day they were planned for is left out),
held, or added by hand. So the public schedule is right whether or not the
sessions have been planned yet, and a public request never writes.

Nothing here reads a case file, and a counsellor's name leaves this module only
for a venue whose admin chose to publish them (`Venue.publish_counsellors`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from .models import Permanence, Quarter, Venue, WeeklySlot

# How far ahead the public page and the posters list the dates, and the feeds.
PAGE_WEEKS = 4
FEED_WEEKS = 12
# How far after a cancellation the next session at its venue is looked for.
NEXT_SESSION_WEEKS = 8


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
    # For a cancelled session: the next one at its venue, if one is known.
    next_session: "Session | None" = None

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

    Weekly hours are the slots valid on `day`. Each cancellation comes with
    the next session at its venue. Four queries whatever the number of
    venues, slots and sessions: the coming sessions with their venue and
    quarter, the slots with theirs, the slots' counsellors.
    """
    end = day + datetime.timedelta(weeks=weeks, days=-1)
    coming = Permanence.objects.filter(venue__is_active=True, date__gte=day)
    if venue is not None:
        coming = coming.filter(venue=venue)
    rows = list(coming.select_related("venue__quarter").order_by())
    last_cancelled = max((row.date for row in rows if row.is_cancelled), default=end)
    until = max(end, last_cancelled) + datetime.timedelta(weeks=NEXT_SESSION_WEEKS)
    slots = WeeklySlot.objects.valid_during(day, until).for_listing()
    if venue is not None:
        slots = slots.filter(venue=venue)

    schedules: dict[int, VenueSchedule] = {}
    sessions: dict[str, Session] = {}
    # A slot's day whose session exists, perhaps moved to another day.
    planned = {(row.slot_id, row.slot_date) for row in rows if row.slot_date is not None}
    for slot in slots:
        schedule = schedules.setdefault(slot.venue_id, VenueSchedule(slot.venue))
        if slot.is_valid_on(day):
            schedule.slots.append(_public_slot(slot))
        for date in slot.dates_between(day, until):
            if (slot.pk, date) not in planned:
                session = Session(slot.venue, date, slot.start_time, slot.end_time)
                sessions.setdefault(session.key, session)
    for row in rows:
        schedules.setdefault(row.venue_id, VenueSchedule(row.venue))
        session = Session(
            row.venue,
            row.date,
            row.start_time,
            row.end_time,
            cancelled=row.is_cancelled,
            cancel_reason=row.cancel_reason if row.is_cancelled else "",
            updated_at=row.updated_at,
        )
        sessions[session.key] = session
    _place(sessions.values(), schedules, end=end)
    return sorted(
        (s for s in schedules.values() if s.slots or s.sessions or s.later_cancellations),
        key=lambda s: s.venue.name.lower(),
    )


def _place(sessions, schedules: dict[int, VenueSchedule], *, end: datetime.date) -> None:
    """Each venue's sessions up to `end` and its cancellations after; each
    cancellation with the next session at its venue (looked for beyond `end`)."""
    by_venue: dict[int, list[Session]] = defaultdict(list)
    for session in sorted(sessions, key=lambda s: (s.date, s.start_time)):
        by_venue[session.venue.pk].append(session)
    for venue_pk, ordered in by_venue.items():
        schedule = schedules[venue_pk]
        following = None
        for session in reversed(ordered):
            if session.cancelled:
                session = replace(session, next_session=following)
            else:
                following = session
            if session.date <= end:
                schedule.sessions.insert(0, session)
            elif session.cancelled:
                schedule.later_cancellations.insert(0, session)
    for schedule in schedules.values():
        schedule.slots.sort(key=lambda s: (s.weekday, s.start_time))


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

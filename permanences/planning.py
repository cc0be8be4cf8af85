"""What the planning page shows: one week of sessions, venue by venue. Read only."""

import datetime
from dataclasses import dataclass, field

from .models import Permanence, Venue

WEEK = datetime.timedelta(weeks=1)


@dataclass
class VenueWeek:
    venue: Venue
    sessions: list[Permanence] = field(default_factory=list)


@dataclass(frozen=True)
class Week:
    monday: datetime.date
    venues: list[VenueWeek]
    # The last day the planning has created sessions for (PLANNING_WEEKS).
    planned_until: datetime.date

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def previous(self) -> datetime.date:
        return self.monday - WEEK

    @property
    def next(self) -> datetime.date:
        return self.monday + WEEK

    @property
    def beyond_planning(self) -> bool:
        """Some days of the week are not planned from the slots yet."""
        return self.sunday > self.planned_until


def week_plan(*, monday: datetime.date, venue: Venue | None, planned_until: datetime.date) -> Week:
    """The sessions of the week starting `monday`, under each active venue (or
    the one asked), and under any other venue that has one that week.

    Three queries: the venues, the sessions with their venue and quarter, the
    sessions' counsellors.
    """
    venues = Venue.objects.active().select_related("quarter")
    sessions = (
        Permanence.objects.filter(date__gte=monday, date__lt=monday + WEEK)
        .for_listing()
        .order_by("date", "start_time")
    )
    if venue is not None:
        venues = venues.filter(pk=venue.pk)
        sessions = sessions.filter(venue=venue)
    weeks = {v.pk: VenueWeek(v) for v in venues}
    for session in sessions:
        weeks.setdefault(session.venue_id, VenueWeek(session.venue)).sessions.append(session)
    return Week(
        monday=monday,
        venues=sorted(weeks.values(), key=lambda w: w.venue.name.lower()),
        planned_until=planned_until,
    )

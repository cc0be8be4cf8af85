"""What a bilan counts: a year, optionally one venue or the venues of one quarter."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, Max, Min, Q, Sum, Value, When

from beneficiaries.ages import BAND_26, BAND_50
from beneficiaries.enums import AgeBand
from beneficiaries.models import Visit
from permanences.models import Quarter, Venue

from .db import AgeAtLeast
from .figures import MONTHS
from .models import Attendance


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """Half-open period [1 January Y, 1 January Y+1)."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, month, 1)
    return start, datetime.date(year + month // 12, month % 12 + 1, 1)


def _age_band(day: str, birth_date: str) -> Case:
    """The AgeBand code of a person born on `birth_date` on `day` (field names),
    as the attendance triggers write it (reporting/migrations/0003)."""
    return Case(
        When(**{f"{birth_date}__isnull": True}, then=Value(AgeBand.UNKNOWN.value)),
        When(AgeAtLeast(F(day), F(birth_date), BAND_50), then=Value(AgeBand.FROM_50.value)),
        When(AgeAtLeast(F(day), F(birth_date), BAND_26), then=Value(AgeBand.FROM_26_TO_49.value)),
        default=Value(AgeBand.UNDER_26.value),
    )


@dataclass(frozen=True)
class Scope:
    """The activity a bilan counts: the visits and held permanences dated in
    `year`, optionally only those at one venue, or at the venues of one quarter
    (the quarter where the activity takes place, not where persons live)."""

    year: int
    venue: Venue | None = None
    quarter: Quarter | None = None

    def __post_init__(self):
        if self.venue is not None and self.quarter is not None:
            raise ValueError("A bilan is restricted to one venue or one quarter, not both.")

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        return year_bounds(self.year)

    def venue_filter(self, prefix: str) -> Q:
        """The scope's venues, for a queryset that reaches a venue through `prefix`."""
        if self.venue is not None:
            return Q(**{f"{prefix}venue": self.venue})
        if self.quarter is not None:
            return Q(**{f"{prefix}venue__quarter": self.quarter})
        return Q()

    @property
    def is_restricted(self) -> bool:
        return self.venue is not None or self.quarter is not None

    def visits(self, start: datetime.date, end: datetime.date):
        """The scope's visits dated in [start, end)."""
        return Visit.objects.filter(self.venue_filter("permanence__"), date__gte=start, date__lt=end)

    def attendance(self):
        """Who came to the scope's venues in the year: one row per person and venue."""
        return Attendance.objects.filter(self.venue_filter(""), year=self.year, venue__isnull=False)

    def persons(self):
        """One row per person seen in the scope in the year: their sex, quarter,
        birth date, first year in the service and age band, their visits in the
        scope, the first of them and the months they came in (p_* columns).

        `p_months` is a set of months in one integer, as `Attendance.months`:
        bit m (1 to 12) is set when the person came in month m. All venues or
        one venue: one attendance row per person, read as it is. The venues
        of a quarter: a person may have a row at several of them, and their
        months are the union of those rows' — the OR of their masks, written
        portably as the sum, over the twelve months, of the largest
        `months & (1 << m)` of the rows: that bit if any row has it, else 0.
        """
        columns = {
            "p_sex": F("sex"),
            "p_quarter": F("quarter"),
            "p_birth_date": F("birth_date"),
            "p_first_year": F("first_year"),
        }
        if not self.is_restricted or self.venue is not None:
            rows = (
                Attendance.objects.filter(year=self.year, venue__isnull=True)
                if self.venue is None
                else self.attendance()
            )
            return rows.values(
                **columns,
                p_visits=F("visits"),
                p_first=F("first_visit"),
                p_months=F("months"),
                p_age=F("age_band"),
            )
        # A quarter's venues: each person's rows there taken together, aged
        # on the first of their visits there.
        return (
            self.attendance()
            .values("beneficiary", **columns)
            .annotate(
                p_visits=Sum("visits"),
                p_first=Min("first_visit"),
                p_months=sum(Max(F("months").bitand(1 << month)) for month in MONTHS),
            )
            .annotate(p_age=_age_band("p_first", "p_birth_date"))
            .order_by()
        )

    def venues(self):
        venues = Venue.objects.select_related("quarter").order_by("name", "pk")
        if self.venue is not None:
            return venues.filter(pk=self.venue.pk)
        if self.quarter is not None:
            return venues.filter(quarter=self.quarter)
        return venues

    def as_dict(self) -> dict:
        return {
            "venue": {"id": self.venue.pk, "name": self.venue.name} if self.venue else None,
            "quarter": {"id": self.quarter.pk, "name": self.quarter.name} if self.quarter else None,
        }

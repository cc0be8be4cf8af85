"""The yearly bilan, computed by the definitions of DESIGN.md.

Every figure is an aggregate SQL query; nothing loops over visits or persons
in Python. The command, the dashboards and every export call `compute_bilan`.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Min, Q

from beneficiaries.enums import OutcomeKind, Sex
from beneficiaries.models import Outcome, Visit
from permanences.models import Permanence


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """Half-open period [1 January Y, 1 January Y+1)."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def percent(part: int, whole: int) -> int:
    """Share rounded half up to a whole number (62.5 -> 63), 0 for an empty whole."""
    if whole == 0:
        return 0
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Bilan:
    year: int
    permanences_held: int
    persons: int
    new_persons: int
    women: int
    men: int
    sex_unknown: int
    appointments: int
    persons_with_outcome: int
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def women_pct(self) -> int:
        return percent(self.women, self.persons)

    @property
    def men_pct(self) -> int:
        return percent(self.men, self.persons)

    def as_dict(self) -> dict:
        """The figures as plain JSON-ready values (the `bilan` command's JSON)."""
        return {**asdict(self), "women_pct": self.women_pct, "men_pct": self.men_pct}


def compute_bilan(year: int) -> Bilan:
    start, end = year_bounds(year)
    visits = Visit.objects.filter(date__gte=start, date__lt=end)

    people = visits.aggregate(
        appointments=Count("id"),
        persons=Count("beneficiary", distinct=True),
        women=Count("beneficiary", distinct=True, filter=Q(beneficiary__sex=Sex.FEMALE)),
        men=Count("beneficiary", distinct=True, filter=Q(beneficiary__sex=Sex.MALE)),
    )
    first_visits = (
        Visit.objects.filter(beneficiary__in=visits.values("beneficiary"))
        .values("beneficiary")
        .annotate(first=Min("date"))
        .filter(first__gte=start)
    )
    outcomes_in_year = Outcome.objects.filter(
        start_date__gte=start,
        start_date__lt=end,
        beneficiary__in=visits.values("beneficiary"),
    )
    by_kind = dict(outcomes_in_year.values_list("kind").annotate(n=Count("id")).order_by())
    return Bilan(
        year=year,
        permanences_held=Permanence.objects.held().filter(date__gte=start, date__lt=end).count(),
        persons=people["persons"],
        new_persons=first_visits.count(),
        women=people["women"],
        men=people["men"],
        sex_unknown=people["persons"] - people["women"] - people["men"],
        appointments=people["appointments"],
        persons_with_outcome=outcomes_in_year.values("beneficiary").distinct().count(),
        outcomes={kind.value: by_kind.get(kind.value, 0) for kind in OutcomeKind},
    )

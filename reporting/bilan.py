"""The yearly bilan, computed by the definitions of DESIGN.md and docs/BILAN.md.

Every figure is an aggregate SQL query; nothing loops over visits or persons
in Python (only over the few rows the queries return: months, venues,
quarters, kinds, and the groups of persons by sex, quarter, age band and
first year). The command, the dashboards, the publication and every export
call `compute_bilan`.

What the visits say of each person is read from `Attendance` (one row per
person, year and venue, and one per person and year for all venues), which
the database keeps equal to the visits (reporting/models.py): one row per
person seen, with their sex, quarter and birth date beside it, instead of
every visit of the year joined to its session and its person.

The queries, one per figure family:

- `visit_figures`: the persons seen in the scope, grouped by sex, quarter,
  age band and first year, with their visits and the months they came in;
  and the persons and visits of each venue;
- `session_figures`: held permanences by venue and month, and visits by month;
- `outcome_figures`: the outcomes starting in the year of the persons counted,
  grouped by kind and set of venues, with their distinct persons;
- `referral_figures`: referrals proposed in the year, by partner and result.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from beneficiaries.ages import BAND_26, BAND_50
from beneficiaries.enums import AgeBand, OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Outcome, Referral, Visit
from permanences.models import Permanence, Quarter, Venue

from .db import AgeAtLeast, BitOr, compiled, count_each, fetch_union
from .models import Attendance

# The earliest year a bilan may be asked for (as PublishedBilan's constraint).
FIRST_YEAR = 2000
MONTHS = range(1, 13)
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

# Age at the first visit of the year; bounds as in the council report, shared
# with the anonymisation that must keep every person in the same band.
AGE_BANDS = {band.value: band.label for band in AgeBand}

# The council report's reading of the outcome kinds.
OUTCOME_GROUPS = {
    "cdi": ("CDI", (OutcomeKind.CDI,)),
    "cdd": ("CDD", (OutcomeKind.CDD,)),
    "contrat_aide_ou_apprentissage": (
        "Contrats aidés ou d'apprentissage",
        (OutcomeKind.CONTRAT_AIDE, OutcomeKind.ALTERNANCE),
    ),
    "formation": ("Formations", (OutcomeKind.FORMATION,)),
    "autres": ("Autres (intérim, création d'activité)", (OutcomeKind.INTERIM, OutcomeKind.CREATION_ACTIVITE)),
}
TRAINING_KINDS = (OutcomeKind.FORMATION,)
EMPLOYMENT_KINDS = tuple(kind for kind in OutcomeKind if kind not in TRAINING_KINDS)
# Durable employment: CDI, création d'activité, and CDD or intérim of six
# months or more (end date included, hence the day after it is compared).
ALWAYS_DURABLE_KINDS = (OutcomeKind.CDI, OutcomeKind.CREATION_ACTIVITE)
DURABLE_IF_SIX_MONTHS_KINDS = (OutcomeKind.CDD, OutcomeKind.INTERIM)
NOT_STATED_QUARTER = "Hors quartiers listés ou non renseigné"


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """Half-open period [1 January Y, 1 January Y+1)."""
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, month, 1)
    return start, datetime.date(year + month // 12, month % 12 + 1, 1)


def percent(part: int, whole: int) -> int:
    """Share rounded half up to a whole number (62.5 -> 63), 0 for an empty whole."""
    if whole == 0:
        return 0
    return (200 * part + whole) // (2 * whole)


def _months_days(expression):
    """A date as (year * 12 + month) * 100 + day: a difference >= 600 is six months or more."""
    return (ExtractYear(expression) * 12 + ExtractMonth(expression)) * 100 + ExtractDay(expression)


# --- what is counted: a year, optionally one venue or the venues of one quarter


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

    def _venue_filter(self, prefix: str) -> Q:
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
        return Visit.objects.filter(self._venue_filter("permanence__"), date__gte=start, date__lt=end)

    def attendance(self):
        """Who came to the scope's venues in the year: one row per person and venue."""
        return Attendance.objects.filter(self._venue_filter(""), year=self.year, venue__isnull=False)

    def persons(self):
        """One row per person seen in the scope in the year: their sex, quarter,
        birth date, first year in the service and age band, their visits in the
        scope, the first of them and the months they came in (p_* columns)."""
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
        # A quarter's venues: each person's rows there, taken together (the
        # months ORed bit by bit, portably), aged on the first of their visits there.
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


# --- the figures ------------------------------------------------------------


@dataclass(frozen=True)
class QuarterRow:
    """Persons counted, by the quarter they live in (None: not stated or outside)."""

    quarter_id: int | None
    name: str
    is_priority: bool
    persons: int
    women: int
    men: int
    sex_unknown: int
    appointments: int


@dataclass(frozen=True)
class VenueRow:
    """Activity at one venue: a person seen at two venues counts once at each."""

    venue_id: int
    name: str
    quarter: str
    permanences_held: int
    persons: int
    women: int
    men: int
    sex_unknown: int
    appointments: int
    outcomes: dict[str, int]


@dataclass(frozen=True)
class MonthRow:
    month: int
    permanences_held: int
    appointments: int
    persons: int

    @property
    def name(self) -> str:
        return MONTH_NAMES[self.month - 1]


@dataclass(frozen=True)
class ReferralRow:
    """Referrals to one partner; `proposed` still await their result."""

    partner: str
    label: str
    total: int
    proposed: int
    done: int
    not_taken_up: int


@dataclass(frozen=True)
class PersonsAndOutcomes:
    persons: int = 0
    outcomes: int = 0


@dataclass(frozen=True)
class VisitFigures:
    persons: int
    new_persons: int
    women: int
    men: int
    sex_unknown: int
    appointments: int
    age_bands: dict[str, int]
    priority_quarter_residents: int
    by_quarter: list[QuarterRow]
    by_venue: dict[int, dict[str, int]]  # persons, women, men, sex_unknown, appointments
    by_month: dict[int, int]


@dataclass(frozen=True)
class SessionFigures:
    total: int
    by_venue: dict[int, int]
    by_month: dict[int, int]
    appointments_by_month: dict[int, int]


@dataclass(frozen=True)
class OutcomeFigures:
    persons_with_outcome: int
    by_kind: dict[str, int]
    employment: PersonsAndOutcomes
    training: PersonsAndOutcomes
    durable_employment: PersonsAndOutcomes
    by_venue: dict[int, dict[str, int]]


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
    scope: dict = field(default_factory=lambda: {"venue": None, "quarter": None})
    age_bands: dict[str, int] = field(default_factory=dict)
    priority_quarter_residents: int = 0
    employment: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    training: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    durable_employment: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    by_quarter: list[QuarterRow] = field(default_factory=list)
    by_venue: list[VenueRow] = field(default_factory=list)
    by_month: list[MonthRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)

    @property
    def women_pct(self) -> int:
        return percent(self.women, self.persons)

    @property
    def men_pct(self) -> int:
        return percent(self.men, self.persons)

    @property
    def priority_quarter_residents_pct(self) -> int:
        return percent(self.priority_quarter_residents, self.persons)

    @property
    def outcomes_total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def outcomes_grouped(self) -> dict[str, int]:
        return {
            key: sum(self.outcomes.get(kind.value, 0) for kind in kinds)
            for key, (_, kinds) in OUTCOME_GROUPS.items()
        }

    @property
    def scope_label(self) -> str:
        """In French: what the figures count."""
        if self.scope.get("venue"):
            return f"lieu d'accueil : {self.scope['venue']['name']}"
        if self.scope.get("quarter"):
            return f"lieux d'accueil du quartier {self.scope['quarter']['name']}"
        return "tous les lieux d'accueil"

    def as_dict(self) -> dict:
        """The figures as plain JSON-ready values (the `bilan` command's JSON,
        and what a publication freezes). Every key is described in docs/BILAN.md."""
        data = asdict(self)
        return {
            "year": data["year"],
            "scope": data["scope"],
            "permanences_held": self.permanences_held,
            "persons": self.persons,
            "new_persons": self.new_persons,
            "women": self.women,
            "men": self.men,
            "sex_unknown": self.sex_unknown,
            "women_pct": self.women_pct,
            "men_pct": self.men_pct,
            "appointments": self.appointments,
            "persons_with_outcome": self.persons_with_outcome,
            "outcomes": data["outcomes"],
            "outcomes_total": self.outcomes_total,
            "outcomes_grouped": self.outcomes_grouped,
            "employment": data["employment"],
            "training": data["training"],
            "durable_employment": data["durable_employment"],
            "age_bands": data["age_bands"],
            "priority_quarter_residents": self.priority_quarter_residents,
            "priority_quarter_residents_pct": self.priority_quarter_residents_pct,
            "by_quarter": data["by_quarter"],
            "by_venue": data["by_venue"],
            "by_month": data["by_month"],
            "referrals": data["referrals"],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Bilan":
        """Rebuild a bilan from `as_dict()` (a publication's frozen figures).

        Keys a publication lacks (one made before a figure existed) read as
        zero or empty, so that an old publication still displays.
        """
        headline = {
            name: data.get(name, 0)
            for name in (
                "permanences_held",
                "persons",
                "new_persons",
                "women",
                "men",
                "sex_unknown",
                "appointments",
                "persons_with_outcome",
                "priority_quarter_residents",
            )
        }
        return cls(
            year=data["year"],
            **headline,
            outcomes={kind.value: data.get("outcomes", {}).get(kind.value, 0) for kind in OutcomeKind},
            scope=data.get("scope") or {"venue": None, "quarter": None},
            age_bands={key: data.get("age_bands", {}).get(key, 0) for key in AGE_BANDS},
            employment=PersonsAndOutcomes(**data.get("employment", {})),
            training=PersonsAndOutcomes(**data.get("training", {})),
            durable_employment=PersonsAndOutcomes(**data.get("durable_employment", {})),
            by_quarter=[QuarterRow(**row) for row in data.get("by_quarter", [])],
            by_venue=[VenueRow(**row) for row in data.get("by_venue", [])],
            by_month=[MonthRow(**row) for row in data.get("by_month", [])],
            referrals=[ReferralRow(**row) for row in data.get("referrals", [])],
        )


# --- the queries --------------------------------------------------------------


# Venues are ORed into integers, this many bits to one (int4 everywhere).
VENUES_PER_MASK = 30


def _venue_masks(venues: list[Venue], path: str) -> list[tuple[BitOr, dict[int, int]]]:
    """One BitOr per chunk of venues, with each venue's bit: the set of venues
    where a group's rows took place."""
    masks = []
    for start in range(0, len(venues), VENUES_PER_MASK):
        chunk = venues[start : start + VENUES_PER_MASK]
        bits = {venue.pk: 1 << index for index, venue in enumerate(chunk)}
        expression = Case(
            *(When(**{path: pk}, then=Value(bit)) for pk, bit in bits.items()), default=Value(0)
        )
        masks.append((BitOr(expression), bits))
    return masks


def visit_figures(scope: Scope, *, venues: list[Venue], quarters: list[Quarter]) -> VisitFigures:
    """Everything counted from the persons seen in the scope, in one query.

    Its first part groups the persons (one attendance row each) by sex,
    quarter, age band at their first visit in the scope and whether the year
    is their first in the service: how many, their visits, and how many came
    in each month. Its second part counts, for each venue and sex, the
    persons who came there and their visits. Python adds up these few
    hundred rows at most.
    """
    persons = scope.persons()
    persons_sql, persons_params = compiled(persons)
    months = ", ".join(f"COUNT(*) FILTER (WHERE (p_months & {1 << month}) <> 0)" for month in MONTHS)
    by_venue_sql, by_venue_params = compiled(
        scope.attendance().values("venue", "sex").annotate(n=Count("*"), v=Sum("visits")).order_by()
    )
    no_months = ", ".join("0" for _ in MONTHS)
    rows = fetch_union(
        persons.db,
        [
            (
                f"SELECT 0, p_sex, p_quarter, p_age, p_first_year, COUNT(*), SUM(p_visits), {months} "  # noqa: S608
                f"FROM ({persons_sql}) AS persons GROUP BY p_sex, p_quarter, p_age, p_first_year",
                persons_params,
            ),
            (
                f"SELECT 1, sex, venue, NULL, NULL, n, v, {no_months} FROM ({by_venue_sql}) AS by_venue",  # noqa: S608
                by_venue_params,
            ),
        ],
    )

    def sex_split() -> dict[str, int]:
        return {"persons": 0, "women": 0, "men": 0, "sex_unknown": 0, "appointments": 0}

    def add(split: dict[str, int], sex: str, persons: int, appointments: int) -> None:
        split["persons"] += persons
        split[{Sex.FEMALE: "women", Sex.MALE: "men"}.get(sex, "sex_unknown")] += persons
        split["appointments"] += appointments

    total, by_quarter = sex_split(), {quarter.pk: sex_split() for quarter in quarters}
    by_quarter[None] = sex_split()
    by_venue = {venue.pk: sex_split() for venue in venues}
    age_bands = dict.fromkeys(AGE_BANDS, 0)
    by_month = dict.fromkeys(MONTHS, 0)
    new_persons = 0
    for part, sex, place, age, first_year, n, visits, *per_month in rows:
        n, visits = int(n), int(visits or 0)
        if part == 1:
            add(by_venue.setdefault(place, sex_split()), sex, n, visits)
            continue
        add(total, sex, n, visits)
        add(by_quarter.setdefault(place, sex_split()), sex, n, visits)
        age_bands[age] += n
        new_persons += n if first_year else 0
        for month, count in zip(MONTHS, per_month, strict=True):
            by_month[month] += int(count)

    def quarter_row(quarter_id, name, is_priority) -> QuarterRow:
        split = by_quarter[quarter_id]
        return QuarterRow(quarter_id=quarter_id, name=name, is_priority=is_priority, **split)

    return VisitFigures(
        persons=total["persons"],
        new_persons=new_persons,
        women=total["women"],
        men=total["men"],
        sex_unknown=total["sex_unknown"],
        appointments=total["appointments"],
        age_bands=age_bands,
        priority_quarter_residents=sum(
            by_quarter[quarter.pk]["persons"] for quarter in quarters if quarter.is_priority
        ),
        by_quarter=[
            *(quarter_row(quarter.pk, quarter.name, quarter.is_priority) for quarter in quarters),
            quarter_row(None, NOT_STATED_QUARTER, False),
        ],
        by_venue=by_venue,
        by_month=by_month,
    )


def session_figures(scope: Scope) -> SessionFigures:
    """Held permanences of the year by venue and month, and visits by month, in one query.

    The visits of each month are counted on their own: twelve counts that
    PostgreSQL takes from the index on the date alone.
    """
    start, end = scope.bounds
    held_sql, held_params = compiled(
        Permanence.objects.held()
        .filter(scope._venue_filter(""), date__gte=start, date__lt=end)
        .annotate(month=ExtractMonth("date"))
        .values("venue", "month")
        .annotate(held=Count("pk"))
        .order_by()
    )
    visits_sql, visits_params = count_each(
        scope.visits(start, end),
        [
            dict(zip(("date__gte", "date__lt"), month_bounds(scope.year, month), strict=True))
            for month in MONTHS
        ],
    )
    held = {"venue": {}, "month": dict.fromkeys(MONTHS, 0)}
    appointments = dict.fromkeys(MONTHS, 0)
    rows = fetch_union(
        Permanence.objects.db,
        [
            (f"SELECT venue, month, held FROM ({held_sql}) AS held", held_params),  # noqa: S608
            (f"SELECT NULL, cell + 1, counted FROM ({visits_sql}) AS visits", visits_params),  # noqa: S608
        ],
    )
    for venue, month, count in rows:  # at most (venues + 1) x 12 rows
        month, count = int(month), int(count)
        if venue is None:
            appointments[month] = count
            continue
        held["venue"][venue] = held["venue"].get(venue, 0) + count
        held["month"][month] += count
    return SessionFigures(
        total=sum(held["month"].values()),
        by_venue=held["venue"],
        by_month=held["month"],
        appointments_by_month=appointments,
    )


def outcome_figures(scope: Scope, *, venues: list[Venue]) -> OutcomeFigures:
    """Outcomes starting in the year of the persons counted, in one query.

    Inner query: one row per outcome starting in the year: its person and
    kind, whether it is durable employment, and the set of venues of the
    scope where its person was seen in the year (a lookup in their attendance
    rows for each, where a join would read the year's attendance whole).
    Outcomes are not tied to a venue: a person seen at two venues brings their
    outcomes to both, as their person counts once at each. The outer query
    keeps the outcomes of the persons seen in the scope (a venue in their
    set) and groups them by kind and set of venues (a few rows per kind, that
    Python spreads over the venues), and counts their distinct persons.
    """
    start, end = scope.bounds
    six_months = _months_days(
        ExpressionWrapper(F("end_date") + datetime.timedelta(days=1), output_field=DateField())
    ) - _months_days(F("start_date"))
    durable = Q(kind__in=ALWAYS_DURABLE_KINDS) | Q(
        kind__in=DURABLE_IF_SIX_MONTHS_KINDS, end_date__isnull=False, p_span__gte=600
    )
    seen = scope.attendance().filter(beneficiary=OuterRef("beneficiary")).order_by().values("beneficiary")
    venue_masks = _venue_masks(venues, "venue")
    masks = [f"p_venues{index}" for index in range(len(venue_masks))]
    outcomes = (
        Outcome.objects.filter(start_date__gte=start, start_date__lt=end)
        .alias(p_span=ExpressionWrapper(six_months, output_field=IntegerField()))
        .annotate(
            p_durable=Case(When(durable, then=Value(1)), default=Value(0)),
            **{
                name: Subquery(seen.annotate(mask=mask).values("mask"))
                for name, (mask, _) in zip(masks, venue_masks, strict=True)
            },
        )
        .values("p_durable", *masks, p_person=F("beneficiary"), p_kind=F("kind"))
        .order_by()
    )

    inner_sql, inner_params = compiled(outcomes)
    seen_there = " OR ".join(f"{mask} <> 0" for mask in masks) or "1 = 0"

    def person_if(kinds) -> tuple[str, list[str]]:
        return f"COUNT(DISTINCT CASE WHEN p_kind IN ({', '.join(['%s'] * len(kinds))}) THEN p_person END)", [
            str(kind) for kind in kinds
        ]

    employment, employment_params = person_if(EMPLOYMENT_KINDS)
    training, training_params = person_if(TRAINING_KINDS)
    mask_list = ", ".join(masks)
    no_masks = ", ".join("NULL" for _ in masks)
    # Part 0: outcomes by kind and set of venues (a few rows per kind);
    # part 1: the distinct persons, once.
    sql = (
        f"WITH grouped AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        f"SELECT 0, p_kind, COUNT(*), SUM(p_durable), 0, 0, 0, 0{', ' if masks else ''}{mask_list} "
        f"FROM grouped WHERE {seen_there} GROUP BY p_kind{', ' if masks else ''}{mask_list} "
        "UNION ALL "
        "SELECT 1, NULL, 0, 0, COUNT(DISTINCT p_person), "
        "COUNT(DISTINCT CASE WHEN p_durable = 1 THEN p_person END), "
        f"{employment}, {training}{', ' if masks else ''}{no_masks} "
        f"FROM grouped WHERE {seen_there}"
    )
    with connections[outcomes.db].cursor() as cursor:
        cursor.execute(sql, [*inner_params, *employment_params, *training_params])
        rows = cursor.fetchall()
    by_kind = dict.fromkeys(OutcomeKind.values, 0)
    by_venue = {venue.pk: dict.fromkeys(OutcomeKind.values, 0) for venue in venues}
    durable_outcomes = 0
    persons = durable_persons = employment_persons = training_persons = 0
    for part, kind, count, durable_count, *persons_and_masks in rows:
        if part == 1:
            persons, durable_persons, employment_persons, training_persons = map(int, persons_and_masks[:4])
            continue
        by_kind[kind] += int(count)
        durable_outcomes += int(durable_count or 0)
        for mask, (_, bits) in zip(persons_and_masks[4:], venue_masks, strict=True):
            for pk, bit in bits.items():
                if int(mask or 0) & bit:
                    by_venue[pk][kind] += int(count)
    return OutcomeFigures(
        persons_with_outcome=persons,
        by_kind=by_kind,
        employment=PersonsAndOutcomes(
            persons=employment_persons, outcomes=sum(by_kind[kind] for kind in EMPLOYMENT_KINDS)
        ),
        training=PersonsAndOutcomes(
            persons=training_persons, outcomes=sum(by_kind[kind] for kind in TRAINING_KINDS)
        ),
        durable_employment=PersonsAndOutcomes(persons=durable_persons, outcomes=durable_outcomes),
        by_venue=by_venue,
    )


def referral_figures(scope: Scope) -> list[ReferralRow]:
    """Referrals proposed in the year, by partner and result, every partner listed, in one query.

    One count per partner and result: PostgreSQL takes each from the index
    on (partner, status, proposed_on) alone, where grouping the year's
    referrals would read and hash them all. Restricted to a venue or
    quarter: the referrals made during a visit there.
    """
    start, end = scope.bounds
    referrals = Referral.objects.filter(proposed_on__gte=start, proposed_on__lt=end)
    if scope.is_restricted:
        referrals = referrals.filter(scope._venue_filter("visit__permanence__"))
    cells = [(partner, status) for partner in Partner for status in ReferralStatus]
    sql, params = count_each(referrals, [{"partner": partner, "status": status} for partner, status in cells])
    count = {cells[cell]: int(value) for cell, value in fetch_union(referrals.db, [(sql, params)])}
    rows = []
    for partner in Partner:
        by_status = {status: count[partner, status] for status in ReferralStatus}
        rows.append(
            ReferralRow(
                partner=partner.value,
                label=partner.label,
                total=sum(by_status.values()),
                proposed=by_status[ReferralStatus.PROPOSED],
                done=by_status[ReferralStatus.DONE],
                not_taken_up=by_status[ReferralStatus.NOT_TAKEN_UP],
            )
        )
    return rows


def compute_bilan(year: int, *, venue: Venue | None = None, quarter: Quarter | None = None) -> Bilan:
    """The bilan of `year`, optionally restricted to one venue or the venues of one quarter.

    Six queries whatever the data: venues, quarters, then one per figure family.
    """
    scope = Scope(year=year, venue=venue, quarter=quarter)
    venues = list(scope.venues())
    quarters = list(Quarter.objects.order_by("name", "pk"))
    visits = visit_figures(scope, venues=venues, quarters=quarters)
    sessions = session_figures(scope)
    outcomes = outcome_figures(scope, venues=venues)
    by_venue = [
        VenueRow(
            venue_id=venue_row.pk,
            name=venue_row.name,
            quarter=venue_row.quarter.name,
            permanences_held=sessions.by_venue.get(venue_row.pk, 0),
            outcomes=outcomes.by_venue[venue_row.pk],
            **visits.by_venue[venue_row.pk],
        )
        for venue_row in venues
        # A closed venue appears in the years it was open only.
        if venue_row.is_active
        or sessions.by_venue.get(venue_row.pk)
        or visits.by_venue[venue_row.pk]["persons"]
    ]
    return Bilan(
        year=year,
        scope=scope.as_dict(),
        permanences_held=sessions.total,
        persons=visits.persons,
        new_persons=visits.new_persons,
        women=visits.women,
        men=visits.men,
        sex_unknown=visits.sex_unknown,
        appointments=visits.appointments,
        persons_with_outcome=outcomes.persons_with_outcome,
        outcomes=outcomes.by_kind,
        age_bands=visits.age_bands,
        priority_quarter_residents=visits.priority_quarter_residents,
        employment=outcomes.employment,
        training=outcomes.training,
        durable_employment=outcomes.durable_employment,
        by_quarter=visits.by_quarter,
        by_venue=by_venue,
        by_month=[
            MonthRow(
                month=month,
                permanences_held=sessions.by_month[month],
                appointments=sessions.appointments_by_month[month],
                persons=visits.by_month[month],
            )
            for month in MONTHS
        ],
        referrals=referral_figures(scope),
    )

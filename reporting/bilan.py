"""The yearly bilan, computed by the definitions of DESIGN.md and docs/BILAN.md.

Every figure is an aggregate SQL query; nothing loops over visits or persons
in Python (only over the dozen rows the queries return: months, venues,
quarters, kinds). The command, the dashboards, the publication and every
export call `compute_bilan`.

The queries, one per figure family and source table:

- `visit_figures`: one pass over the year's visits, grouped by person, then
  pivoted: headline counts, sex, age bands, new persons, priority-quarter
  residents, and the breakdowns by quarter, venue and month;
- `session_figures`: held permanences by venue and month;
- `outcome_figures`: the outcomes starting in the year of the persons counted,
  grouped by person, then pivoted by kind, group and venue;
- `referral_figures`: referrals proposed in the year, by partner and result.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear

from beneficiaries.ages import BAND_26, BAND_50
from beneficiaries.enums import AgeBand, OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Beneficiary, Referral, Visit
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue

from .db import BitOr

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


def _ymd(expression):
    """A date as the integer yyyymmdd: differences of two compare like ages.

    (b - a) >= 260000 exactly when b is on or after a's 26th anniversary.
    Portable (PostgreSQL and the SQLite demo), unlike interval arithmetic.
    """
    return ExtractYear(expression) * 10000 + ExtractMonth(expression) * 100 + ExtractDay(expression)


def _months_days(expression):
    """A date as (year * 12 + month) * 100 + day: a difference >= 600 is six months or more."""
    return (ExtractYear(expression) * 12 + ExtractMonth(expression)) * 100 + ExtractDay(expression)


# --- what is counted: a year, optionally one venue or the venues of one quarter


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

    def visits(self):
        start, end = self.bounds
        return Visit.objects.filter(self._venue_filter("permanence__"), date__gte=start, date__lt=end)

    def person_visit_filter(self) -> Q:
        """On persons: seen in the scope (one condition, so that the joined
        visits are those of the scope and an annotation over them counts them)."""
        start, end = self.bounds
        # Not also on the permanence's date: PostgreSQL would take the two
        # conditions for independent and expect ten times too few rows.
        return self._venue_filter("visits__permanence__") & Q(visits__date__gte=start, visits__date__lt=end)

    def permanences(self):
        start, end = self.bounds
        return Permanence.objects.held().filter(self._venue_filter(""), date__gte=start, date__lt=end)

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
    by_venue: dict[int, dict[str, int]]
    by_month: dict[int, int]


@dataclass(frozen=True)
class SessionFigures:
    total: int
    by_venue: dict[int, int]
    by_month: dict[int, int]
    appointments_by_venue: dict[int, int]
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
    where a group's visits took place."""
    masks = []
    for start in range(0, len(venues), VENUES_PER_MASK):
        chunk = venues[start : start + VENUES_PER_MASK]
        bits = {venue.pk: 1 << index for index, venue in enumerate(chunk)}
        expression = Case(
            *(When(**{path: pk}, then=Value(bit)) for pk, bit in bits.items()), default=Value(0)
        )
        masks.append((BitOr(expression), bits))
    return masks


class Pivot:
    """Conditional counts and sums over the rows of a grouped query, in one SELECT.

    The per-person rows are an ORM query (`inner`); the outer SELECT is plain,
    portable SQL (CASE, SUM, COUNT). Django's `aggregate()` over an annotated
    query would do the same, but spends about 0.3 s of Python per bilan
    rewriting sixty conditional aggregates — more than the database takes.
    Conditions are SQL over the inner query's column aliases, with %s params.
    """

    def __init__(self):
        self.columns: list[tuple[str, str, list]] = []

    def count(self, key: str, condition: str = "", params=()) -> None:
        self.sum(key, "1", condition, params)

    def sum(self, key: str, column: str, condition: str = "", params=()) -> None:
        value = f"CASE WHEN {condition} THEN {column} ELSE 0 END" if condition else column
        self.columns.append((key, f"COALESCE(SUM({value}), 0)", list(params)))

    def run(self, inner) -> dict[str, int]:
        inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
        select = ", ".join(sql for _, sql, _ in self.columns)
        params = [param for _, _, column_params in self.columns for param in column_params]
        with connections[inner.db].cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM ({inner_sql}) AS grouped", [*params, *inner_params])  # noqa: S608
            row = cursor.fetchone()
        return {key: int(value) for (key, _, _), value in zip(self.columns, row, strict=True)}


def visit_figures(scope: Scope, *, venues: list[Venue], quarters: list[Quarter]) -> VisitFigures:
    """Everything counted from the year's visits by person, in one query.

    Inner query: one row per person seen in the scope (persons joined to their
    visits of the year, grouped): their sex and quarter, their visits, their
    age at their first visit of the year, whether they were seen before the
    year, and as bit sets the venues and months of their visits. Outer query:
    conditional counts over those rows (a pivot), so that the distinct persons
    of every breakdown come from a single pass over the visits.
    """
    start, _ = scope.bounds
    venue_masks = _venue_masks(venues, "visits__permanence__venue")
    month_bit = Value(1).bitleftshift(Cast(ExtractMonth("visits__date"), IntegerField()))
    persons = (
        Beneficiary.objects.filter(scope.person_visit_filter())
        .annotate(
            p_visits=Count("visits"),
            p_age=_ymd(Min("visits__date")) - _ymd(Min("birth_date")),
            p_seen_before=Exists(Visit.objects.filter(beneficiary=OuterRef("pk"), date__lt=start)),
            p_months=BitOr(month_bit),
            **{f"p_venues{index}": mask for index, (mask, _) in enumerate(venue_masks)},
        )
        .values(
            "p_visits",
            "p_age",
            "p_seen_before",
            "p_months",
            *(f"p_venues{index}" for index in range(len(venue_masks))),
            p_sex=F("sex"),
            p_quarter=F("quarter"),
        )
        .order_by()
    )
    female, male = "p_sex = %s", "p_sex = %s"
    pivot = Pivot()
    pivot.count("persons")
    pivot.count("women", female, [Sex.FEMALE])
    pivot.count("men", male, [Sex.MALE])
    pivot.sum("appointments", "p_visits")
    pivot.count("new_persons", "NOT p_seen_before")
    priority = [quarter.pk for quarter in quarters if quarter.is_priority]
    if priority:
        pivot.count("priority", f"p_quarter IN ({', '.join(['%s'] * len(priority))})", priority)
    else:
        pivot.count("priority", "1 = 0")
    under_26, under_50 = BAND_26 * 10000, BAND_50 * 10000  # ages as differences of yyyymmdd
    pivot.count(f"age_{AgeBand.UNDER_26}", f"p_age < {under_26}")
    pivot.count(f"age_{AgeBand.FROM_26_TO_49}", f"p_age >= {under_26} AND p_age < {under_50}")
    pivot.count(f"age_{AgeBand.FROM_50}", f"p_age >= {under_50}")
    pivot.count(f"age_{AgeBand.UNKNOWN}", "p_age IS NULL")
    for quarter_id in [quarter.pk for quarter in quarters] + [None]:
        key = f"q{quarter_id or 0}"
        where, params = ("p_quarter = %s", [quarter_id]) if quarter_id else ("p_quarter IS NULL", [])
        pivot.count(f"{key}_persons", where, params)
        pivot.count(f"{key}_women", f"{where} AND {female}", [*params, Sex.FEMALE])
        pivot.count(f"{key}_men", f"{where} AND {male}", [*params, Sex.MALE])
        pivot.sum(f"{key}_appointments", "p_visits", where, params)
    for index, (_, bits) in enumerate(venue_masks):
        for pk, bit in bits.items():
            seen_there = f"(p_venues{index} & {bit}) <> 0"
            pivot.count(f"v{pk}_persons", seen_there)
            pivot.count(f"v{pk}_women", f"{seen_there} AND {female}", [Sex.FEMALE])
            pivot.count(f"v{pk}_men", f"{seen_there} AND {male}", [Sex.MALE])
    for month in MONTHS:
        pivot.count(f"m{month}_persons", f"(p_months & {1 << month}) <> 0")
    row = pivot.run(persons)

    def sex_split(prefix: str) -> dict[str, int]:
        persons, women, men = row[f"{prefix}_persons"], row[f"{prefix}_women"], row[f"{prefix}_men"]
        return {"persons": persons, "women": women, "men": men, "sex_unknown": persons - women - men}

    by_quarter = [
        QuarterRow(
            quarter_id=quarter.pk,
            name=quarter.name,
            is_priority=quarter.is_priority,
            appointments=row[f"q{quarter.pk}_appointments"],
            **sex_split(f"q{quarter.pk}"),
        )
        for quarter in quarters
    ]
    by_quarter.append(
        QuarterRow(
            quarter_id=None,
            name=NOT_STATED_QUARTER,
            is_priority=False,
            appointments=row["q0_appointments"],
            **sex_split("q0"),
        )
    )
    return VisitFigures(
        persons=row["persons"],
        new_persons=row["new_persons"],
        women=row["women"],
        men=row["men"],
        sex_unknown=row["persons"] - row["women"] - row["men"],
        appointments=row["appointments"],
        age_bands={band: row[f"age_{band}"] for band in AGE_BANDS},
        priority_quarter_residents=row["priority"],
        by_quarter=by_quarter,
        by_venue={venue.pk: sex_split(f"v{venue.pk}") for venue in venues},
        by_month={month: row[f"m{month}_persons"] for month in MONTHS},
    )


def session_figures(scope: Scope) -> SessionFigures:
    """Permanences of the year by venue and month: those held, and the visits received.

    Visits are counted per permanence (an index lookup each) rather than by
    scanning the year's visits again.
    """
    start, end = scope.bounds
    per_session = Visit.objects.filter(permanence=OuterRef("pk")).order_by().values("permanence")
    rows = (
        Permanence.objects.filter(scope._venue_filter(""), date__gte=start, date__lt=end)
        .annotate(
            month=ExtractMonth("date"),
            # COUNT of the grouped column: an index-only scan, no visit row read.
            visits_here=Coalesce(Subquery(per_session.annotate(n=Count("permanence")).values("n")), 0),
        )
        .values("venue", "month")
        .annotate(held=Count("pk", filter=Q(status=PermanenceStatus.HELD)), appointments=Sum("visits_here"))
        .order_by()
    )
    held = {"venue": {}, "month": dict.fromkeys(MONTHS, 0)}
    appointments = {"venue": {}, "month": dict.fromkeys(MONTHS, 0)}
    for row in rows:  # at most (venues x 12) rows
        for figures, value in ((held, row["held"]), (appointments, row["appointments"])):
            figures["venue"][row["venue"]] = figures["venue"].get(row["venue"], 0) + value
            figures["month"][row["month"]] += value
    return SessionFigures(
        total=sum(held["month"].values()),
        by_venue=held["venue"],
        by_month=held["month"],
        appointments_by_venue=appointments["venue"],
        appointments_by_month=appointments["month"],
    )


def outcome_figures(scope: Scope, *, venues: list[Venue]) -> OutcomeFigures:
    """Outcomes starting in the year of the persons counted, in one query.

    Inner query: one row per person with such an outcome and a visit in the
    scope: their outcomes by kind, how many are durable employment, and the set
    of venues where they were seen in the year (outcomes are not tied to a
    venue: a person seen at two venues brings their outcomes to both, as
    their person counts once at each). Persons are joined to both their visits
    and their outcomes, hence the distinct counts of outcomes.
    """
    start, end = scope.bounds
    six_months = _months_days(
        ExpressionWrapper(F("outcomes__end_date") + datetime.timedelta(days=1), output_field=DateField())
    ) - _months_days(F("outcomes__start_date"))
    durable = Q(outcomes__kind__in=ALWAYS_DURABLE_KINDS) | Q(
        outcomes__kind__in=DURABLE_IF_SIX_MONTHS_KINDS, outcomes__end_date__isnull=False, p_span__gte=600
    )
    venue_masks = _venue_masks(venues, "visits__permanence__venue")
    per_person = (
        Beneficiary.objects.filter(
            scope.person_visit_filter(), outcomes__start_date__gte=start, outcomes__start_date__lt=end
        )
        .alias(p_span=ExpressionWrapper(six_months, output_field=IntegerField()))
        .annotate(
            **{
                f"p_{kind}": Count("outcomes", distinct=True, filter=Q(outcomes__kind=kind))
                for kind in OutcomeKind.values
            },
            p_durable=Count("outcomes", distinct=True, filter=durable),
            **{f"p_venues{index}": mask for index, (mask, _) in enumerate(venue_masks)},
        )
        .values(
            *(f"p_{kind}" for kind in OutcomeKind.values),
            "p_durable",
            *(f"p_venues{index}" for index in range(len(venue_masks))),
        )
        .order_by()
    )

    def any_of(kinds) -> str:
        return " OR ".join(f"p_{kind} > 0" for kind in kinds)

    pivot = Pivot()
    pivot.count("persons")
    pivot.sum("durable", "p_durable")
    pivot.count("durable_persons", "p_durable > 0")
    pivot.count("employment_persons", any_of(EMPLOYMENT_KINDS))
    pivot.count("training_persons", any_of(TRAINING_KINDS))
    for kind in OutcomeKind.values:
        pivot.sum(kind, f"p_{kind}")
        for index, (_, bits) in enumerate(venue_masks):
            for pk, bit in bits.items():
                pivot.sum(f"v{pk}_{kind}", f"p_{kind}", f"(p_venues{index} & {bit}) <> 0")
    row = pivot.run(per_person)
    by_kind = {kind: row[kind] for kind in OutcomeKind.values}
    return OutcomeFigures(
        persons_with_outcome=row["persons"],
        by_kind=by_kind,
        employment=PersonsAndOutcomes(
            persons=row["employment_persons"], outcomes=sum(by_kind[kind] for kind in EMPLOYMENT_KINDS)
        ),
        training=PersonsAndOutcomes(
            persons=row["training_persons"], outcomes=sum(by_kind[kind] for kind in TRAINING_KINDS)
        ),
        durable_employment=PersonsAndOutcomes(persons=row["durable_persons"], outcomes=row["durable"]),
        by_venue={
            venue.pk: {kind: row[f"v{venue.pk}_{kind}"] for kind in OutcomeKind.values} for venue in venues
        },
    )


def referral_figures(scope: Scope) -> list[ReferralRow]:
    """Referrals proposed in the year, by partner and result, every partner listed.

    Restricted to a venue or quarter: the referrals made during a visit there.
    """
    start, end = scope.bounds
    referrals = Referral.objects.filter(proposed_on__gte=start, proposed_on__lt=end)
    if scope.venue is not None or scope.quarter is not None:
        referrals = referrals.filter(scope._venue_filter("visit__permanence__"))
    rows = {
        row["partner"]: row
        for row in referrals.values("partner")
        .annotate(
            total=Count("id"),
            **{status: Count("id", filter=Q(status=status)) for status in ReferralStatus.values},
        )
        .order_by()
    }
    empty = {"total": 0, **dict.fromkeys(ReferralStatus.values, 0)}
    return [
        ReferralRow(
            partner=partner.value,
            label=partner.label,
            total=rows.get(partner.value, empty)["total"],
            proposed=rows.get(partner.value, empty)[ReferralStatus.PROPOSED],
            done=rows.get(partner.value, empty)[ReferralStatus.DONE],
            not_taken_up=rows.get(partner.value, empty)[ReferralStatus.NOT_TAKEN_UP],
        )
        for partner in Partner
    ]


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
            appointments=sessions.appointments_by_venue.get(venue_row.pk, 0),
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

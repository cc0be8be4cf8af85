"""What a bilan is made of: its figures (`Bilan`, every key of docs/BILAN.md)
and the rows of its breakdowns.

The dataclasses below `Bilan` are what each query of reporting/queries.py
returns, before `compute_bilan` puts them together.
"""

from dataclasses import asdict, dataclass, field

from beneficiaries.enums import AgeBand, OutcomeKind

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


def percent(part: int, whole: int) -> int:
    """Share rounded half up to a whole number (62.5 -> 63), 0 for an empty whole."""
    if whole == 0:
        return 0
    return (200 * part + whole) // (2 * whole)


# --- the rows of the breakdowns ------------------------------------------------


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


# --- the bilan ---------------------------------------------------------------------


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


# --- what each query returns (reporting/queries.py) --------------------------------


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
    by_venue: dict[int, dict[str, int]]  # outcomes by kind, as `by_kind`

"""What a bilan is made of: its figures, declared once, and their JSON.

`Bilan` lists every figure of docs/BILAN.md in the order of its JSON. The
JSON (`as_dict`, what the `bilan` command prints and a publication freezes)
and its reading back (`from_dict`) are derived from that declaration: a new
figure is one more field, with the default an older publication that lacks
it reads as. A figure computed from the others (a share, a total) is a
`derived` field: in the JSON at its place, recomputed when read back.

The dataclasses below `Bilan` are what each query of reporting/queries.py
returns, before `compute_bilan` puts them together.
"""

import functools
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, Field, asdict, dataclass, field, fields, is_dataclass

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


@dataclass(frozen=True)
class WorkshopFigures:
    """Collective workshops of the year, beside the council grid: a workshop is
    never an individual appointment, and changes neither `persons` nor
    `appointments` (docs/BILAN.md)."""

    sessions: int = 0
    registrations: int = 0
    attendances: int = 0
    persons: int = 0
    persons_without_appointment: int = 0


# --- the bilan ---------------------------------------------------------------------


class _Derives:
    """Computes a dataclass's `derived` fields once it is built."""

    def __post_init__(self):
        for figure in fields(self):
            if "derived" in figure.metadata:
                object.__setattr__(self, figure.name, figure.metadata["derived"](self))


def counts_of(keys: Iterable[str]) -> Field:
    """A count for each of `keys`, every one listed (zeros included) when read back."""
    keys = tuple(keys)
    return field(default_factory=lambda: dict.fromkeys(keys, 0), metadata={"keys": keys})


def derived(compute: Callable[["Bilan"], object]) -> Field:
    """A figure computed from the others: written in the JSON, recomputed when read back."""
    return field(init=False, metadata={"derived": compute})


@dataclass(frozen=True, kw_only=True)
class FollowUps(_Derives):
    """Follow-up appointments whose session is in the year, not cancelled: `booked`;
    of them, `honoured` (the person's visit logged at that session) and `missed`
    (the session ended without it); the others are still to come.
    `honoured_pct`: honoured among those whose fate is known (honoured + missed)."""

    booked: int = 0
    honoured: int = 0
    missed: int = 0
    honoured_pct: int = derived(lambda f: percent(f.honoured, f.honoured + f.missed))


def _outcomes_grouped(bilan: "Bilan") -> dict[str, int]:
    return {
        key: sum(bilan.outcomes.get(kind.value, 0) for kind in kinds)
        for key, (_, kinds) in OUTCOME_GROUPS.items()
    }


@dataclass(frozen=True, kw_only=True)
class Bilan(_Derives):
    """The figures of docs/BILAN.md, in the order of the JSON.

    A default is what a publication made before that figure existed reads as.
    """

    # (The noqa RUF009 below: `counts_of` and `derived` return a dataclasses.field.)
    year: int
    scope: dict = field(default_factory=lambda: {"venue": None, "quarter": None})
    permanences_held: int = 0
    persons: int = 0
    new_persons: int = 0
    women: int = 0
    men: int = 0
    sex_unknown: int = 0
    women_pct: int = derived(lambda bilan: percent(bilan.women, bilan.persons))
    men_pct: int = derived(lambda bilan: percent(bilan.men, bilan.persons))
    appointments: int = 0
    persons_with_outcome: int = 0
    outcomes: dict[str, int] = counts_of(OutcomeKind.values)  # noqa: RUF009
    outcomes_total: int = derived(lambda bilan: sum(bilan.outcomes.values()))
    outcomes_grouped: dict[str, int] = derived(_outcomes_grouped)  # noqa: RUF009
    employment: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    training: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    durable_employment: PersonsAndOutcomes = field(default_factory=PersonsAndOutcomes)
    age_bands: dict[str, int] = counts_of(AGE_BANDS)  # noqa: RUF009
    priority_quarter_residents: int = 0
    priority_quarter_residents_pct: int = derived(
        lambda bilan: percent(bilan.priority_quarter_residents, bilan.persons)
    )
    by_quarter: list[QuarterRow] = field(default_factory=list)
    by_venue: list[VenueRow] = field(default_factory=list)
    by_month: list[MonthRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)
    follow_ups: FollowUps = field(default_factory=FollowUps)
    workshops: WorkshopFigures = field(default_factory=WorkshopFigures)

    @property
    def scope_label(self) -> str:
        """In French: what the figures count."""
        if self.scope.get("venue"):
            return f"lieu d'accueil : {self.scope['venue']['name']}"
        if self.scope.get("quarter"):
            return f"lieux d'accueil du quartier {self.scope['quarter']['name']}"
        return "tous les lieux d'accueil"

    def as_dict(self) -> dict:
        """The figures as plain JSON-ready values, every field in its order (the
        `bilan` command's JSON, and what a publication freezes). Every key is
        described in docs/BILAN.md."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Bilan":
        """Rebuild a bilan from `as_dict()` (a publication's frozen figures).

        Keys a publication lacks (one made before a figure existed) read as
        the field's default, zero or empty, so that an old publication still
        displays; derived figures are recomputed.
        """
        return _read(cls, data)


@functools.cache
def _types(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def _read(cls: type, data: dict):
    """An instance of the dataclass `cls` from its `asdict()`.

    Each field given to the constructor is read by its type: a dataclass from
    its dict, a list of dataclasses from a list of dicts, a `counts_of` field
    with every one of its keys. A key that is missing, or empty, leaves the
    field to its default; keys that are no argument of the constructor
    (derived figures, or a figure since removed) are ignored.
    """
    values = {}
    for figure in fields(cls):
        if not figure.init or (_has_default(figure) and not data.get(figure.name)):
            continue
        value = data[figure.name]
        kind = _types(cls)[figure.name]
        if is_dataclass(kind):
            value = _read(kind, value)
        elif typing.get_origin(kind) is list and is_dataclass(row := typing.get_args(kind)[0]):
            value = [_read(row, item) for item in value]
        elif "keys" in figure.metadata:
            value = {key: value.get(key, 0) for key in figure.metadata["keys"]}
        values[figure.name] = value
    return cls(**values)


def _has_default(figure: Field) -> bool:
    return figure.default is not MISSING or figure.default_factory is not MISSING


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

"""The import's format and its plan: what importing the files would do.

The planner fills an `ImportPlan`; the preview page and the command show its
tallies, changes and problems; the writer writes it when it has no problem.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from permanences.models import Permanence

from ..enums import ReferralStatus
from ..models import Beneficiary

PERSONS, VISITS, OUTCOMES = "beneficiaries", "visits", "outcomes"
FILE_LABELS = {PERSONS: "personnes", VISITS: "rendez-vous", OUTCOMES: "sorties"}
COLUMNS = {
    PERSONS: ("ref", "last_name", "first_name", "sex", "birth_date", "quarter", "phone", "email"),
    VISITS: ("ref", "date", "venue", "kind", "topics", "referral", "notes"),
    OUTCOMES: ("ref", "type", "start_date", "end_date", "label"),
}
REQUIRED_COLUMNS = {
    PERSONS: ("ref", "last_name", "first_name"),
    VISITS: ("ref", "date", "venue"),
    OUTCOMES: ("ref", "type", "start_date"),
}
LIST_SEPARATOR = "|"

# Past this many problems the files are clearly wrong: the list stops there.
MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class ImportSource:
    """One uploaded or given file: its name (for messages) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Problem:
    kind: str  # PERSONS, VISITS or OUTCOMES
    file: str
    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.message}"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Change:
    """One row that would update stored data, for the preview (no personal data but the ref)."""

    file: str
    line: int
    ref: str
    what: str


class TooManyProblems(Exception):
    pass


@dataclass(slots=True)
class PersonRow:
    line: int
    ref: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReferralCell:
    """One referral of a visit's `referral` cell: `partner`, `partner:status` or
    `partner:status:YYYY-MM-DD` (the date its result was checked)."""

    partner: str
    status: str = ReferralStatus.PROPOSED
    checked_on: datetime.date | None = None

    def text(self) -> str:
        if self.status == ReferralStatus.PROPOSED:
            return self.partner
        return (
            f"{self.partner}:{self.status}:{self.checked_on.isoformat() if self.checked_on else ''}".rstrip(
                ":"
            )
        )


@dataclass(slots=True)
class VisitRow:
    line: int
    ref: str
    date: datetime.date
    venue_id: int
    values: dict[str, Any]  # kind, topics (frozenset of ids), referrals (ReferralCells), notes: when given
    permanence: Permanence | None = None


@dataclass(slots=True)
class OutcomeRow:
    line: int
    ref: str
    kind: str
    start_date: datetime.date
    values: dict[str, Any]  # end_date, employer: when given


@dataclass
class ImportPlan:
    """What importing the files would do; `write_plan` does it when `problems` is empty."""

    files: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    persons: Tally = field(default_factory=Tally)
    visits: Tally = field(default_factory=Tally)
    outcomes: Tally = field(default_factory=Tally)
    referrals: Tally = field(default_factory=Tally)
    permanences: Tally = field(default_factory=Tally)
    changes: list[Change] = field(default_factory=list)
    # What the writer needs, filled by the planner.
    new_persons: list[Beneficiary] = field(default_factory=list, repr=False)
    person_updates: dict[int, tuple[Beneficiary, set[str]]] = field(default_factory=dict, repr=False)
    person_pks: dict[str, int] = field(default_factory=dict, repr=False)
    new_permanences: list[Permanence] = field(default_factory=list, repr=False)
    permanences_to_hold: set[int] = field(default_factory=set, repr=False)
    new_visits: list[VisitRow] = field(default_factory=list, repr=False)
    visit_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    topic_changes: dict[int, set[int]] = field(default_factory=dict, repr=False)
    new_referrals: list[tuple[int, ReferralCell, datetime.date, str]] = field(
        default_factory=list, repr=False
    )
    referral_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    new_outcomes: list[OutcomeRow] = field(default_factory=list, repr=False)
    outcome_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return any(
            tally.created or tally.updated
            for tally in (self.persons, self.visits, self.outcomes, self.referrals, self.permanences)
        )

    def summary(self) -> list[tuple[str, Tally]]:
        """The rows of the preview table, in reading order."""
        rows = [("Personnes", self.persons), ("Rendez-vous", self.visits)]
        rows += [("Orientations", self.referrals), ("Sorties", self.outcomes)]
        return [*rows, ("Permanences", self.permanences)]

    def add_problem(self, kind: str, line: int | None, column: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            raise TooManyProblems
        self.problems.append(Problem(kind, self.files[kind], line, column, message))

    def add_change(self, kind: str, line: int, ref: str, what: str) -> None:
        self.changes.append(Change(self.files[kind], line, ref, what))

    def sort_problems(self) -> None:
        """Files in the order of COLUMNS, lines in order (a file's own problems first)."""
        order = list(COLUMNS)
        self.problems.sort(key=lambda p: (order.index(p.kind), p.line or 0))

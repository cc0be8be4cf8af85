"""The import's plan: what importing the files would do.

The planner fills an `ImportPlan`; the preview page and the command show its
tallies, changes, likely duplicates and problems; the writer writes it when it
has no problem and every likely duplicate has its decision.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from permanences.models import Permanence

from ..models import Beneficiary, Workshop
from .formats import COLUMNS, ReferralCell

# Past this many problems the files are clearly wrong: the list stops there.
MAX_PROBLEMS = 1000
# The decision that a row of the persons file is a new person, not the file it looks like.
NEW_PERSON = "nouveau"


@dataclass(frozen=True)
class ImportSource:
    """One uploaded or given file: its name (for messages) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Problem:
    kind: str  # a key of COLUMNS
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


@dataclass(frozen=True)
class Decisions:
    """The coordinator's answers about likely duplicates: for a line of the persons
    file, NEW_PERSON or the pk of the file it is; `create_anyway` makes every line
    without an answer a new person. With `strict` (the command, where lines are
    typed by hand), a choice for a line that is not a likely duplicate, or naming a
    file that is not among its candidates, is a problem: nothing is written."""

    choices: dict[int, str] = field(default_factory=dict)
    create_anyway: bool = False
    strict: bool = False

    def of(self, line: int) -> str | None:
        return self.choices.get(line) or (NEW_PERSON if self.create_anyway else None)


@dataclass(frozen=True)
class Candidate:
    """A stored file a row of the persons file may be, as the preview shows it."""

    pk: int
    ref: str
    last_name: str
    first_name: str
    birth_date: datetime.date | None
    phone: str
    last_visit: datetime.date | None
    reasons: str


@dataclass
class LikelyDuplicate:
    """A row of the persons file that looks like stored files: a new person, or one of them?"""

    line: int
    ref: str
    last_name: str
    first_name: str
    birth_date: datetime.date | None
    phone: str
    candidates: list[Candidate]
    decision: int | str | None = None  # NEW_PERSON, a candidate's pk, or None: not decided


@dataclass(slots=True)
class PersonRow:
    line: int
    ref: str  # "" when the file gives none: matched by names and birth date
    values: dict[str, Any]
    anonymised: bool = False


@dataclass(slots=True)
class SessionRow:
    line: int
    venue_id: int
    date: datetime.date
    start_time: datetime.time
    values: dict[str, Any]  # end_time, status, cancel_reason, counsellors (frozenset of ids): when given


@dataclass(slots=True)
class VisitRow:
    line: int
    ref: str
    date: datetime.date
    venue_id: int
    start_time: datetime.time | None
    values: dict[str, Any]  # the other columns given, by field name (topics: frozenset of ids)
    permanence: Permanence | None = None


@dataclass(slots=True)
class ReferralRow:
    line: int
    ref: str
    partner: str
    proposed_on: datetime.date
    values: dict[str, Any]  # detail, channel, status, checked_on: when given
    visit_date: datetime.date | None = None
    venue_id: int | None = None
    start_time: datetime.time | None = None
    # The visit it was made during: a stored visit's pk, a new VisitRow, or None.
    visit: "int | VisitRow | None" = None


@dataclass(slots=True)
class OutcomeRow:
    line: int
    ref: str
    kind: str
    start_date: datetime.date
    values: dict[str, Any]  # end_date, working_time, employer: when given


@dataclass(slots=True)
class WorkshopRow:
    line: int
    venue_id: int
    date: datetime.date
    start_time: datetime.time
    values: dict[
        str, Any
    ]  # end_time, theme_id, capacity, facilitator_id, facilitator_name, status, cancel_reason


@dataclass(slots=True)
class RegistrationRow:
    line: int
    ref: str
    venue_id: int
    date: datetime.date
    start_time: datetime.time
    values: dict[str, Any]  # status, attendance: when given
    workshop: Workshop | None = None


@dataclass
class ImportPlan:
    """What importing the files would do; `write_plan` does it when it is `ready`."""

    files: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    persons: Tally = field(default_factory=Tally)
    permanences: Tally = field(default_factory=Tally)
    visits: Tally = field(default_factory=Tally)
    referrals: Tally = field(default_factory=Tally)
    outcomes: Tally = field(default_factory=Tally)
    workshops: Tally = field(default_factory=Tally)
    registrations: Tally = field(default_factory=Tally)
    changes: list[Change] = field(default_factory=list)
    likely_duplicates: list[LikelyDuplicate] = field(default_factory=list)
    # What the writer needs, filled by the planner.
    new_persons: list[Beneficiary] = field(default_factory=list, repr=False)
    person_updates: dict[int, tuple[Beneficiary, set[str]]] = field(default_factory=dict, repr=False)
    person_pks: dict[str, int] = field(default_factory=dict, repr=False)
    new_permanences: list[Permanence] = field(default_factory=list, repr=False)
    permanence_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    permanences_to_hold: set[int] = field(default_factory=set, repr=False)
    # Counsellors of sessions: of new ones (the Permanence), of stored ones (pk) whose list changes.
    counsellor_links: list[tuple[Permanence | int, frozenset[int]]] = field(default_factory=list, repr=False)
    new_visits: list[VisitRow] = field(default_factory=list, repr=False)
    visit_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    topic_changes: dict[int, set[int]] = field(default_factory=dict, repr=False)
    # Referrals of the visits file's `referral` cells: (visit pk or VisitRow, cell, day, ref).
    new_referrals: list[tuple[Any, ReferralCell, datetime.date, str]] = field(
        default_factory=list, repr=False
    )
    new_file_referrals: list[ReferralRow] = field(default_factory=list, repr=False)
    referral_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    new_outcomes: list[OutcomeRow] = field(default_factory=list, repr=False)
    outcome_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    new_workshops: list[Workshop] = field(default_factory=list, repr=False)
    workshop_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)
    new_registrations: list[RegistrationRow] = field(default_factory=list, repr=False)
    registration_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def undecided(self) -> list[LikelyDuplicate]:
        return [row for row in self.likely_duplicates if row.decision is None]

    @property
    def ready(self) -> bool:
        """No problem, and a decision for every likely duplicate: the import can be written."""
        return self.ok and not self.undecided

    @property
    def has_changes(self) -> bool:
        return bool(self.undecided) or any(tally.created or tally.updated for _, tally in self.summary())

    def rows_to_write(self) -> int:
        """The rows `write_plan` creates or updates (links between rows aside), as it counts them."""
        cells = sum(len(row.values.get("referrals", ())) for row in self.new_visits)
        return sum(
            map(
                len,
                (
                    self.new_persons,
                    self.person_updates,
                    self.new_permanences,
                    self.permanence_updates,
                    self.new_visits,
                    self.visit_updates,
                    self.new_referrals,
                    self.new_file_referrals,
                    self.referral_updates,
                    self.new_outcomes,
                    self.outcome_updates,
                    self.new_workshops,
                    self.workshop_updates,
                    self.new_registrations,
                    self.registration_updates,
                ),
            ),
            cells,
        )

    def summary(self) -> list[tuple[str, Tally]]:
        """The rows of the preview table, in reading order."""
        rows = [("Personnes", self.persons), ("Rendez-vous", self.visits)]
        rows += [("Orientations", self.referrals), ("Sorties", self.outcomes)]
        rows += [("Permanences", self.permanences), ("Ateliers", self.workshops)]
        return [*rows, ("Inscriptions aux ateliers", self.registrations)]

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

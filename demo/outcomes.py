"""The demo's outcomes: exactly the published ones in the reference year,
about one person in seven with an outcome in the other years."""

import datetime
import random

from beneficiaries.enums import OutcomeKind, WorkingTime
from beneficiaries.models import Outcome

from . import names
from .people import Person
from .reference import FIRST_YEAR, REFERENCE_OUTCOME_PAIRS, REFERENCE_OUTCOME_SINGLES, REFERENCE_YEAR

# Months an outcome of each kind lasts, at random between the two (no end: CDI, création).
DURATION_MONTHS = {
    OutcomeKind.CDD: (3, 12),
    OutcomeKind.INTERIM: (1, 6),
    OutcomeKind.CONTRAT_AIDE: (6, 12),
    OutcomeKind.ALTERNANCE: (12, 24),
    OutcomeKind.FORMATION: (1, 9),
}


class OutcomeDrafter:
    """Draws the outcomes of the persons of each year, in one seeded sequence."""

    def __init__(self, *, rng: random.Random, today: datetime.date, author):
        self.rng = rng
        self.today = today
        self.author = author

    def for_years(self, year_persons: dict[int, list[Person]]) -> list[Outcome]:
        outcomes = []
        for year, persons in year_persons.items():
            # Early enough in the year for an outcome to follow within it.
            eligible = [
                p
                for p in persons
                if min(d for d in p.visit_dates if d.year == year) <= datetime.date(year, 10, 31)
            ]
            self.rng.shuffle(eligible)
            if year == REFERENCE_YEAR:
                outcomes += self.reference_year(year, eligible)
                continue
            for person in eligible[: len(eligible) * 15 // 100]:
                kind = self.rng.choices(OutcomeKind.values, [8, 10, 6, 5, 4, 12, 2])[0]
                outcomes.append(self.outcome(person, kind, self.start_after(person, year)))
        # Not counted in 2020: a person last seen in 2019 who found a job in 2020.
        only_before = [
            p for p in year_persons.get(FIRST_YEAR, []) if all(d.year == FIRST_YEAR for d in p.visit_dates)
        ]
        if only_before:
            outcomes.append(
                self.outcome(only_before[0], OutcomeKind.CDI, datetime.date(REFERENCE_YEAR, 2, 3))
            )
        return outcomes

    def reference_year(self, year: int, eligible: list[Person]) -> list[Outcome]:
        """The published outcomes: pairs first (the second after the first ends), then singles."""
        needed = len(REFERENCE_OUTCOME_PAIRS) + len(REFERENCE_OUTCOME_SINGLES)
        if len(eligible) < needed:
            raise RuntimeError("Too few persons seen early enough in the reference year.")
        outcomes = []
        for person, (first_kind, second_kind) in zip(eligible, REFERENCE_OUTCOME_PAIRS, strict=False):
            first = self.outcome(person, first_kind, self.start_after(person, year))
            second_start = self.start_after(person, year, after=first.end_date or first.start_date)
            outcomes += [first, self.outcome(person, second_kind, second_start)]
        rest = eligible[len(REFERENCE_OUTCOME_PAIRS) :]
        for person, kind in zip(rest, REFERENCE_OUTCOME_SINGLES, strict=False):
            outcomes.append(self.outcome(person, kind, self.start_after(person, year)))
        return outcomes

    def outcome(self, person: Person, kind: str, start: datetime.date) -> Outcome:
        rng = self.rng
        months = DURATION_MONTHS.get(kind)
        end = None
        # A few CDD without a known end: the data-quality panel lists them.
        if months and not (kind == OutcomeKind.CDD and rng.random() < 0.15):
            end = start + datetime.timedelta(days=30 * rng.randint(*months))
        employer = rng.choice(names.EMPLOYERS)
        if kind == OutcomeKind.FORMATION:
            employer = "Organisme de formation (exemple)"
        return Outcome(
            beneficiary=person.row,
            kind=kind,
            start_date=start,
            end_date=end,
            working_time=(
                ""
                if kind == OutcomeKind.FORMATION
                else rng.choice([WorkingTime.FULL_TIME, WorkingTime.PART_TIME, WorkingTime.UNKNOWN])
            ),
            employer=employer,
            created_by=self.author,
            updated_by=self.author,
        )

    def start_after(self, person: Person, year: int, *, after: datetime.date | None = None) -> datetime.date:
        """An outcome start in `year`, after the person's first visit of the year."""
        first = min(d for d in person.visit_dates if d.year == year)
        earliest = max(first, after or first) + datetime.timedelta(days=7)
        latest = min(datetime.date(year, 12, 31), self.today + datetime.timedelta(days=30))
        if earliest > latest:
            earliest = latest
        return earliest + datetime.timedelta(days=self.rng.randint(0, (latest - earliest).days))

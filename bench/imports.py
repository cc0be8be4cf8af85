"""Files of fictitious activity in the import's format, and the timing of their import."""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from beneficiaries.data_services import activity_import
from beneficiaries.enums import OutcomeKind, Partner
from beneficiaries.imports import OUTCOMES, PERSONS, VISITS, ImportSource
from beneficiaries.models import Topic
from core.spreadsheets import write_csv
from permanences.models import Venue, WeeklySlot

from .db import BenchmarkError
from .timing import Stopwatch

FIRST_DAY = datetime.date(2016, 1, 4)
# The columns of the generated rows: the first format's, which the import keeps reading.
HEADERS = {
    PERSONS: ("ref", "last_name", "first_name", "sex", "birth_date", "quarter", "phone", "email"),
    VISITS: ("ref", "date", "venue", "kind", "topics", "referral", "notes"),
    OUTCOMES: ("ref", "type", "start_date", "end_date", "label"),
}
# The two imports timed, by their key in the figures and their name in the report.
ATTEMPTS = {"first": "premier import", "second": "second import (rien ne change)"}


def generate(*, visits: int, seed: int = 5) -> dict[str, list[list[str]]]:
    """The rows of the three import files: a person every five visits, an
    outcome for one person in seven."""
    rng = random.Random(seed)
    persons = max(1, visits // 5)
    person_rows = [_person_row(rng, n) for n in range(persons)]
    visit_rows = _visit_rows(rng, visits=visits, persons=persons)
    outcome_rows = [
        [f"B-{n:06d}", rng.choice(OutcomeKind.values), "2020-06-01", "", "Employeur (exemple)"]
        for n in range(0, persons, 7)
    ]
    return {PERSONS: person_rows, VISITS: visit_rows, OUTCOMES: outcome_rows}


def to_csv(rows: dict[str, list[list[str]]]) -> dict[str, bytes]:
    return {kind: write_csv(list(HEADERS[kind]), iter(kind_rows)) for kind, kind_rows in rows.items()}


def _person_row(rng: random.Random, n: int) -> list[str]:
    return [
        f"B-{n:06d}",
        f"Nom{n}",
        f"Prénom{n % 997}",
        rng.choice(["F", "M", ""]),
        datetime.date(1960 + n % 45, 1 + n % 12, 1 + n % 28).isoformat(),
        "",
        f"06 {n // 1000000 % 100:02d} {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}",
        "",
    ]


def _sessions() -> list[tuple[str, datetime.date]]:
    """(venue name, day) of every weekly session from FIRST_DAY to yesterday."""
    weekdays = {}
    for venue_id, weekday in WeeklySlot.objects.values_list("venue_id", "weekday"):
        weekdays.setdefault(venue_id, set()).add(weekday)
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    days = [FIRST_DAY + datetime.timedelta(days=n) for n in range((last_day - FIRST_DAY).days + 1)]
    return [
        (name, day)
        for venue_id, name in Venue.objects.values_list("pk", "name")
        for day in days
        if day.weekday() in weekdays.get(venue_id, {0})
    ]


def _visit_rows(rng: random.Random, *, visits: int, persons: int) -> list[list[str]]:
    """Visits at random sessions, at most one per person and session."""
    sessions = _sessions()
    topics = list(Topic.objects.values_list("code", flat=True))
    seen, rows = set(), []
    while len(rows) < visits:
        ref = f"B-{rng.randrange(persons):06d}"
        venue, day = rng.choice(sessions)
        if (ref, venue, day) in seen:
            continue
        seen.add((ref, venue, day))
        rows.append(
            [
                ref,
                day.strftime("%d/%m/%Y"),
                venue,
                "",
                "|".join(rng.sample(topics, k=rng.choice([0, 1, 1, 2, 3]))),
                rng.choice(Partner.values) if rng.random() < 0.3 else "",
                rng.choice(["", "", "CV mis à jour.", "Inscription à un atelier."]),
            ]
        )
    return rows


@dataclass(frozen=True)
class ImportTiming:
    attempt: str
    ms: float
    persons: int
    outcomes: int
    visits_created: int
    visits_unchanged: int


def time_imports(
    files: dict[str, bytes], *, keep: bool, report: Callable[[ImportTiming], None]
) -> list[ImportTiming]:
    """Import the files twice (everything new, then nothing changed), each
    timing given to `report` as it comes; all undone at the end unless `keep`."""
    sources = {kind: ImportSource(f"{kind}.csv", data) for kind, data in files.items()}
    timings = []
    with transaction.atomic():
        for attempt in ATTEMPTS:
            with Stopwatch() as watch:
                plan = activity_import(sources=sources, user=None)
            if plan.problems:
                raise BenchmarkError(f"Import refusé : {plan.problems[0]}")
            timing = ImportTiming(
                attempt=attempt,
                ms=watch.ms,
                persons=plan.persons.total,
                outcomes=plan.outcomes.total,
                visits_created=plan.visits.created,
                visits_unchanged=plan.visits.unchanged,
            )
            report(timing)
            timings.append(timing)
        if not keep:
            transaction.set_rollback(True)
    return timings

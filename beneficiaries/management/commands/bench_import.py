"""Benchmark of import_activity: generate files of fictitious activity and time their import.

    python manage.py bench_import --visits 100000

Runs against the configured database, in a transaction rolled back at the
end (unless --keep). Not part of the test suite; see docs/BENCHMARKS.md.
"""

import datetime
import random
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from beneficiaries.data_services import activity_import
from beneficiaries.enums import OutcomeKind, Partner
from beneficiaries.imports import COLUMNS, OUTCOMES, PERSONS, VISITS, ImportSource
from beneficiaries.models import Topic
from core.spreadsheets import write_csv
from permanences.models import Venue, WeeklySlot
from permanences.territory import seed_territory

FIRST_DAY = datetime.date(2016, 1, 4)


class Rollback(Exception):
    pass


def generate(*, visits: int, seed: int = 5) -> dict[str, bytes]:
    """The three import files: a person every five visits, an outcome for one person in seven."""
    rng = random.Random(seed)
    venues = list(Venue.objects.values_list("pk", "name"))
    weekdays = {}
    for venue_id, weekday in WeeklySlot.objects.values_list("venue_id", "weekday"):
        weekdays.setdefault(venue_id, set()).add(weekday)
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    days = [FIRST_DAY + datetime.timedelta(days=n) for n in range((last_day - FIRST_DAY).days + 1)]
    sessions = [
        (name, day)
        for venue_id, name in venues
        for day in days
        if day.weekday() in weekdays.get(venue_id, {0})
    ]
    topics = list(Topic.objects.values_list("code", flat=True))
    persons = max(1, visits // 5)
    person_rows = [
        [
            f"B-{n:06d}",
            f"Nom{n}",
            f"Prénom{n % 997}",
            rng.choice(["F", "M", ""]),
            datetime.date(1960 + n % 45, 1 + n % 12, 1 + n % 28).isoformat(),
            "",
            f"06 {n // 1000000 % 100:02d} {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}",
            "",
        ]
        for n in range(persons)
    ]
    seen, visit_rows = set(), []
    while len(visit_rows) < visits:
        ref = f"B-{rng.randrange(persons):06d}"
        venue, day = rng.choice(sessions)
        if (ref, venue, day) in seen:
            continue
        seen.add((ref, venue, day))
        visit_rows.append(
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
    outcome_rows = [
        [f"B-{n:06d}", rng.choice(OutcomeKind.values), "2020-06-01", "", "Employeur (exemple)"]
        for n in range(0, persons, 7)
    ]
    return {
        PERSONS: write_csv(list(COLUMNS[PERSONS]), iter(person_rows)),
        VISITS: write_csv(list(COLUMNS[VISITS]), iter(visit_rows)),
        OUTCOMES: write_csv(list(COLUMNS[OUTCOMES]), iter(outcome_rows)),
    }


class Command(BaseCommand):
    help = "Mesure la durée d'un import (fichiers générés, transaction annulée à la fin sauf --keep)."

    def add_arguments(self, parser):
        parser.add_argument("--visits", type=int, default=100_000, help="nombre de rendez-vous (100 000)")
        parser.add_argument("--dir", help="écrire aussi les fichiers générés dans ce dossier")
        parser.add_argument("--keep", action="store_true", help="garder les données importées")

    def handle(self, *args, visits: int, dir: str | None, keep: bool, **options):
        if visits < 1:
            raise CommandError("--visits doit être positif.")
        seed_territory()
        started = time.perf_counter()
        files = generate(visits=visits)
        self.stdout.write(f"Fichiers générés en {time.perf_counter() - started:.1f} s.")
        if dir:
            for kind, data in files.items():
                Path(dir, f"{kind}.csv").write_bytes(data)
        sources = {kind: ImportSource(f"{kind}.csv", data) for kind, data in files.items()}
        try:
            with transaction.atomic():
                for attempt in ("premier import", "second import (rien ne change)"):
                    started = time.perf_counter()
                    plan = activity_import(sources=sources, user=None)
                    elapsed = time.perf_counter() - started
                    if plan.problems:
                        raise CommandError(f"Import refusé : {plan.problems[0]}")
                    self.stdout.write(
                        f"{attempt} : {visits} rendez-vous, {plan.persons.total} personnes, "
                        f"{plan.outcomes.total} sorties en {elapsed:.1f} s "
                        f"({plan.visits.created} rendez-vous créés, {plan.visits.unchanged} inchangés)."
                    )
                if not keep:
                    raise Rollback
        except Rollback:
            self.stdout.write("Transaction annulée : la base est inchangée.")

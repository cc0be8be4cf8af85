"""Benchmark of import_activity: generate files of fictitious activity and time their import.

    python manage.py bench_import --visits 100000

Runs against the configured database, in a transaction rolled back at the
end (unless --keep). Not part of the test suite; see docs/BENCHMARKS.md.
"""

from dataclasses import asdict
from pathlib import Path

from bench import imports
from bench.command import BenchmarkCommand
from bench.db import BenchmarkError
from bench.timing import Stopwatch
from permanences.territory import seed_territory


class Command(BenchmarkCommand):
    help = "Mesure la durée d'un import (fichiers générés, transaction annulée à la fin sauf --keep)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--visits", type=int, default=100_000, help="nombre de rendez-vous (100 000)")
        parser.add_argument("--dir", help="écrire aussi les fichiers générés dans ce dossier")
        parser.add_argument("--keep", action="store_true", help="garder les données importées")

    def run(self, *, visits: int, dir: str | None, keep: bool, **options) -> dict:
        if visits < 1:
            raise BenchmarkError("--visits doit être positif.")
        seed_territory()
        with Stopwatch() as watch:
            rows = imports.generate(visits=visits)
            files = imports.to_csv(rows)
        self.say(f"Fichiers générés en {watch.seconds:.1f} s.")
        if dir:
            for kind, data in files.items():
                Path(dir, f"{kind}.csv").write_bytes(data)

        def report(timing: imports.ImportTiming) -> None:
            self.say(
                f"{imports.ATTEMPTS[timing.attempt]} : {visits} rendez-vous, {timing.persons} personnes, "
                f"{timing.outcomes} sorties en {timing.ms / 1000:.1f} s "
                f"({timing.visits_created} rendez-vous créés, {timing.visits_unchanged} inchangés)."
            )

        timings = imports.time_imports(files, keep=keep, report=report)
        if not keep:
            self.say("Transaction annulée : la base est inchangée.")
        return {
            "visits": visits,
            "files": {kind: len(kind_rows) for kind, kind_rows in rows.items()},
            "generation_ms": watch.ms,
            "imports": [asdict(timing) for timing in timings],
            "kept": keep,
            "rolled_back": not keep,
        }

"""Benchmark of the person search on PostgreSQL (issue: under 50 ms at the median).

Run it on a throwaway database, e.g. `make bench-search`.
"""

import random

from bench import search
from bench.command import BenchmarkCommand
from bench.db import BenchmarkError, check_database, execute
from bench.timing import Stopwatch, Timing
from beneficiaries.models import Beneficiary, Visit


class Command(BenchmarkCommand):
    help = "Génère N personnes fictives (100 000 par défaut) et mesure le temps serveur de la recherche."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--persons", type=int, default=100_000, help="Personnes (défaut : 100 000).")
        parser.add_argument(
            "--searches",
            type=int,
            default=200,
            help="Recherches, réparties entre les cinq sortes (défaut : 200, au moins 10).",
        )
        parser.add_argument(
            "--reuse", action="store_true", help="Mesurer sur les données d'un lancement précédent."
        )

    def run(self, *, persons, searches, reuse, **options) -> dict:
        if persons < 1 or searches < search.MIN_SEARCHES:
            raise BenchmarkError(
                f"Au moins une personne et {search.MIN_SEARCHES} recherches (deux de chaque sorte)."
            )
        check_database(empty=() if reuse else (Beneficiary,), holding="dossiers")
        rng = random.Random(42)
        generation_ms = None
        if not reuse:
            with Stopwatch() as watch:
                search.generate(rng, persons)
            generation_ms = watch.ms
            self.say(f"Données : {persons} personnes générées en {watch.seconds:.1f} s.")
            execute("ANALYZE")
        stored = {"persons": Beneficiary.objects.count(), "visits": Visit.objects.count()}
        self.say(f"{stored['persons']} personnes, {stored['visits']} rendez-vous.")
        timings = search.measure(rng, searches)
        overall = Timing(tuple(ms for timing in timings.values() for ms in timing.ms))
        self.report(timings, overall)
        return {
            **stored,
            "generated": not reuse,
            "generation_ms": generation_ms,
            "searches": searches,
            "kinds": {kind: timing.figures() for kind, timing in timings.items()},
            "overall": overall.figures(),
        }

    def report(self, timings: dict[str, Timing], overall: Timing) -> None:
        self.say("Temps serveur de la recherche (requête htmx complète : vue, SQL, gabarit) :")
        for kind, timing in timings.items():
            label = search.KINDS[kind][0]
            self.say(
                f"  {label:<30} médiane {timing.median:6.1f} ms, "
                f"90e centile {timing.p90:6.1f} ms ({timing.count} recherches)"
            )
        self.say(f"Médiane globale : {overall.median:.1f} ms.", self.style.SUCCESS)

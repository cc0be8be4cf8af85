import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reporting import benchmark
from reporting.bilan import compute_bilan
from reporting.presentation import number


class Command(BaseCommand):
    help = (
        "Banc d'essai du bilan sur PostgreSQL (à lancer à la main, sur une base vide) : génère un jeu "
        "de données de plusieurs années, puis mesure le bilan complet d'une année et une requête SQL "
        "écrite à la main qui compte les rendez-vous et les personnes distinctes de cette année. "
        "Voir docs/BENCHMARKS.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=100_000, help="Personnes (défaut : 100 000).")
        parser.add_argument("--visits", type=int, default=1_000_000, help="Rendez-vous (défaut : 1 000 000).")
        parser.add_argument(
            "--years", type=int, default=10, help="Années, jusqu'à l'an dernier (défaut : 10)."
        )
        parser.add_argument("--year", type=int, help="Année mesurée (défaut : celle du milieu).")
        parser.add_argument("--runs", type=int, default=7, help="Mesures de chaque requête (défaut : 7).")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Garder les données générées (sinon la base est vidée à la fin).",
        )

    def handle(self, *args, persons, visits, years, year, runs, keep, **options):
        if persons < 10 or visits < persons or years < 1 or runs < 1:
            raise CommandError(
                "Tailles invraisemblables : au moins 10 personnes et un rendez-vous par personne."
            )
        size = benchmark.default_size(persons=persons, visits=visits, years=years)
        year = year or (size.first_year + size.last_year + 1) // 2
        if not size.first_year <= year <= size.last_year:
            raise CommandError(f"L'année mesurée doit être entre {size.first_year} et {size.last_year}.")
        try:
            benchmark.check_empty()
        except benchmark.BenchmarkRefused as refused:
            raise CommandError(str(refused)) from refused

        started = time.perf_counter()
        with transaction.atomic():
            counts = benchmark.generate(size)
        benchmark.vacuum_analyze()
        rows = ", ".join(f"{number(n)} {name}" for name, n in counts.items())
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Données {size.first_year}–{size.last_year} générées en {elapsed:.1f} s : {rows}.")
        try:
            self.measure(year, runs)
        finally:
            if not keep:
                benchmark.clean_up()

    def measure(self, year: int, runs: int):
        visits, persons = benchmark.baseline_query(year)
        with CaptureQueriesContext(connection) as queries:
            bilan = compute_bilan(year)
        if (bilan.appointments, bilan.persons) != (visits, persons):
            raise CommandError("Le bilan et la requête de référence ne comptent pas la même chose.")
        timings = benchmark.interleaved(
            {"bilan": lambda: compute_bilan(year), "requête": lambda: benchmark.baseline_query(year)},
            runs=runs,
        )
        full, single = timings["bilan"], timings["requête"]
        self.stdout.write(
            f"Année {year} : {number(visits)} rendez-vous, {number(persons)} personnes ; "
            f"PostgreSQL {connection.pg_version // 10000}, médiane de {runs} mesures."
        )
        self.stdout.write(f"Bilan complet ({len(queries)} requêtes) : {full.median * 1000:.1f} ms")
        self.stdout.write(f"Requête de référence (COUNT, COUNT DISTINCT) : {single.median * 1000:.1f} ms")
        self.stdout.write(f"Rapport : {full.median / single.median:.2f} (objectif : 3 au plus)")

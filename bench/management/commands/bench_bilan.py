from dataclasses import asdict

from django.db import transaction

from bench import bilan
from bench.command import BenchmarkCommand
from bench.db import BenchmarkError
from bench.timing import Stopwatch
from reporting.presentation import number

# The generated rows, as the report names them.
ROWS = {
    "permanences": "permanences",
    "persons": "personnes",
    "visits": "rendez-vous",
    "outcomes": "sorties",
    "referrals": "orientations",
}


class Command(BenchmarkCommand):
    help = (
        "Banc d'essai du bilan sur PostgreSQL (à lancer à la main, sur une base vide) : génère un jeu "
        "de données de plusieurs années, puis mesure le bilan complet d'une année et une requête SQL "
        "écrite à la main qui compte les rendez-vous et les personnes distinctes de cette année. "
        "Voir docs/BENCHMARKS.md."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        bilan.add_size_arguments(parser)
        parser.add_argument("--year", type=int, help="Année mesurée (défaut : celle du milieu).")
        parser.add_argument("--runs", type=int, default=7, help="Mesures de chaque requête (défaut : 7).")
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Garder les données générées (sinon la base est vidée à la fin).",
        )

    def run(self, *, persons, visits, years, year, runs, keep, **options) -> dict:
        if persons < 10 or visits < persons or years < 1 or runs < 1:
            raise BenchmarkError(
                "Tailles invraisemblables : au moins 10 personnes et un rendez-vous par personne."
            )
        size = bilan.default_size(persons=persons, visits=visits, years=years)
        year = year or (size.first_year + size.last_year + 1) // 2
        if not size.first_year <= year <= size.last_year:
            raise BenchmarkError(f"L'année mesurée doit être entre {size.first_year} et {size.last_year}.")
        bilan.check_empty()

        with Stopwatch() as watch:
            with transaction.atomic():
                counts = bilan.generate(size)
            bilan.vacuum_analyze()
        rows = ", ".join(f"{number(n)} {ROWS[name]}" for name, n in counts.items())
        self.say(f"Données {size.first_year}–{size.last_year} générées en {watch.seconds:.1f} s : {rows}.")
        try:
            figures = bilan.measure(year, runs=runs)
        finally:
            if not keep:
                bilan.clean_up()
        self.report(figures)
        return {
            "size": asdict(size),
            "generated": counts,
            "generation_ms": watch.ms,
            **figures,
            "kept": keep,
        }

    def report(self, figures: dict) -> None:
        self.say(
            f"Année {figures['year']} : {number(figures['year_visits'])} rendez-vous, "
            f"{number(figures['year_persons'])} personnes ; "
            f"PostgreSQL {figures['postgresql']}, médiane de {figures['runs']} mesures."
        )
        self.say(
            f"Bilan complet ({figures['bilan_queries']} requêtes) : {figures['bilan']['median_ms']:.1f} ms"
        )
        self.say(f"Requête de référence (COUNT, COUNT DISTINCT) : {figures['reference']['median_ms']:.1f} ms")
        self.say(f"Rapport : {figures['ratio']:.2f} (objectif : {figures['target_ratio']} au plus)")

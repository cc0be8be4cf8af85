from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from permanences.services import permanences_generate, planning_horizon

MAX_WEEKS = 52


class Command(BaseCommand):
    help = (
        "Planifie les permanences des semaines à venir (PLANNING_WEEKS, 8 par défaut) à partir des "
        "créneaux hebdomadaires. À lancer chaque jour ; sans effet si rien n'a changé. Une "
        "permanence modifiée à la main n'est jamais touchée."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks",
            type=int,
            default=None,
            help=f"Nombre de semaines à planifier à partir d'aujourd'hui (1 à {MAX_WEEKS}).",
        )

    def handle(self, *args, weeks, **options):
        weeks = settings.PLANNING_WEEKS if weeks is None else weeks
        if not 1 <= weeks <= MAX_WEEKS:
            raise CommandError(f"Le nombre de semaines doit aller de 1 à {MAX_WEEKS} (reçu : {weeks}).")
        start, end = planning_horizon(timezone.localdate(), weeks)
        result = permanences_generate(start=start, end=end)
        self.stdout.write(
            self.style.SUCCESS(
                f"Permanences du {start:%d/%m/%Y} au {end:%d/%m/%Y} : {result.created} créée(s), "
                f"{result.updated} mise(s) à jour, {result.removed} retirée(s) ; "
                f"{result.by_hand} modifiée(s) à la main, laissée(s) telles quelles."
            )
        )
        if result.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.kept} permanence(s) ne correspondent plus à leur créneau mais des "
                    "rendez-vous y sont liés : à revoir sur la page Planning."
                )
            )

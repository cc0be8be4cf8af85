"""The shape of every benchmark command: a French report, or its figures as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from .db import BenchmarkError


class BenchmarkCommand(BaseCommand):
    """Subclasses implement `run(**options)`, which reports through `say` and
    returns the figures (sizes, timings in ms…) that `--json` prints instead."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Afficher les chiffres (tailles, durées en ms…) en un seul objet JSON au lieu du texte.",
        )

    def handle(self, *args, as_json: bool, **options):
        self.as_json = as_json
        try:
            figures = self.run(**options)
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))

    def run(self, **options) -> dict:
        raise NotImplementedError

    def say(self, text: str, style=None) -> None:
        """One line of the French report (nothing with --json)."""
        if not self.as_json:
            self.stdout.write(style(text) if style else text)

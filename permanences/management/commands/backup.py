from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from permanences.backups import BackupError, backup


class Command(BaseCommand):
    help = "Sauvegarde toute la base (pg_dump sur PostgreSQL, copie cohérente sur SQLite)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Fichier de sauvegarde (par défaut : var/backups/permanences-AAAAMMJJ-HHMMSS.dump).",
        )

    def handle(self, *args, path=None, **options):
        if path is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.BASE_DIR) / "var" / "backups" / f"permanences-{stamp}.dump"
        try:
            written = backup(Path(path), connections["default"].settings_dict)
        except BackupError as error:
            raise CommandError(f"Sauvegarde impossible : {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {written}"))

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from core.backups import BackupError, backup, default_path, rotate


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (pg_dump sur PostgreSQL, copie cohérente sur SQLite) ; "
        "dans le dossier des sauvegardes, seules les BACKUP_KEEP plus récentes sont gardées "
        "(au moins 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Fichier de sauvegarde (par défaut : BACKUP_DIR/permanences-AAAAMMJJ-HHMMSS.dump, "
            "avec rotation).",
        )

    def handle(self, *args, path=None, **options):
        if path is None and settings.BACKUP_KEEP < 1:
            raise CommandError(
                f"BACKUP_KEEP vaut {settings.BACKUP_KEEP} : indiquez au moins 1 (le nombre de sauvegardes "
                "gardées dans BACKUP_DIR, la nouvelle comprise). Aucune sauvegarde écrite."
            )
        folder = Path(settings.BACKUP_DIR)
        target = Path(path) if path else default_path(folder, timezone.localtime())
        try:
            written = backup(target, connections["default"].settings_dict)
        except BackupError as error:
            raise CommandError(f"Sauvegarde impossible : {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {written}"))
        if path is None:
            removed = rotate(folder, keep=settings.BACKUP_KEEP)
            if removed:
                self.stdout.write(
                    f"{len(removed)} sauvegarde(s) plus ancienne(s) supprimée(s) "
                    f"(les {settings.BACKUP_KEEP} plus récentes sont gardées)."
                )

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde faite par la commande backup : remplace TOUT le contenu de la base."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Fichier de sauvegarde.")
        parser.add_argument(
            "--yes", action="store_true", help="Confirme le remplacement du contenu de la base."
        )

    def handle(self, *args, path, yes, **options):
        if not yes:
            raise CommandError("La restauration remplace tout le contenu de la base : relancez avec --yes.")
        try:
            connections["default"].close()
            restore(Path(path), connections["default"].settings_dict)
        except BackupError as error:
            raise CommandError(f"Restauration impossible : {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Base restaurée depuis {path}."))

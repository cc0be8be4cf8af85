from django.core.management.base import BaseCommand

from beneficiaries.data_services import imports_purge
from beneficiaries.models import ImportUpload

HOURS = int(ImportUpload.LIFETIME.total_seconds() // 3600)


class Command(BaseCommand):
    help = (
        "Supprime les fichiers d'import déposés et les traitements d'import (aperçus) de plus de "
        f"{HOURS} heures, sauf ceux d'un traitement encore en cours. À lancer chaque heure."
    )

    def handle(self, *args, **options):
        uploads, jobs = imports_purge()
        message = f"{uploads} dépôt(s) de fichiers et {jobs} traitement(s) d'import de plus de {HOURS} heures"
        self.stdout.write(self.style.SUCCESS(f"{message} supprimé(s)."))

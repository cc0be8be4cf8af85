from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_purge


class Command(BaseCommand):
    help = "Supprime les entrées du journal d'audit plus anciennes que la durée de conservation (12 mois)."

    def handle(self, *args, **options):
        removed = audit_purge()
        self.stdout.write(
            f"{removed} entrée(s) de plus de {settings.AUDIT_RETENTION_DAYS} jours supprimée(s) du journal."
        )

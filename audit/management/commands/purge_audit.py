from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_purge, logins_purge


class Command(BaseCommand):
    help = (
        "Supprime les entrées du journal d'audit et du journal des connexions plus anciennes "
        "que la durée de conservation (AUDIT_RETENTION_DAYS, 12 mois par défaut)."
    )

    def handle(self, *args, **options):
        removed, logins = audit_purge(), logins_purge()
        days = settings.AUDIT_RETENTION_DAYS
        self.stdout.write(f"{removed} entrée(s) de plus de {days} jours supprimée(s) du journal.")
        self.stdout.write(
            f"{logins} connexion(s) ou tentative(s) de plus de {days} jours "
            "supprimée(s) du journal des connexions."
        )

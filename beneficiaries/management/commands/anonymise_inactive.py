from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiaries_anonymise_inactive


class Command(BaseCommand):
    help = (
        "Anonymise les dossiers sans rendez-vous ni atelier suivi depuis RETENTION_DAYS jours "
        "(2 ans par défaut ; un dossier qui n'a ni l'un ni l'autre compte depuis sa création). "
        "Sans --wet-run, affiche seulement ce qui serait fait, sans rien enregistrer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="Anonymise réellement les dossiers.")

    def handle(self, *args, wet_run, **options):
        today = timezone.localdate()
        days = settings.RETENTION_DAYS
        if not wet_run:
            cutoff = today - timezone.timedelta(days=days)
            refs = list(
                Beneficiary.objects.inactive_since(cutoff).order_by("pk").values_list("ref", flat=True)
            )
            self.stdout.write(
                f"Simulation : {len(refs)} dossier(s) sans rendez-vous ni atelier suivi depuis {days} jours "
                "seraient anonymisés" + (f" : {', '.join(refs)}." if refs else ".")
            )
            self.stdout.write("Rien n'a été enregistré : relancez avec --wet-run pour les anonymiser.")
            return
        refs = beneficiaries_anonymise_inactive(today=today, retention_days=days)
        self.stdout.write(self.style.SUCCESS(f"{len(refs)} dossier(s) anonymisé(s)."))

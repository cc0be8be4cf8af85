from django.core.management.base import BaseCommand

from permanences.territory import seed_territory


class Command(BaseCommand):
    help = "Crée les six quartiers de référence, leurs lieux d'accueil et leurs créneaux (idempotent)."

    def handle(self, *args, **options):
        counts = seed_territory()
        if not any(counts.values()):
            self.stdout.write("Territoire déjà en place : rien n'a été modifié.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Territoire créé : {counts['quarters']} quartier(s), "
                f"{counts['venues']} lieu(x) d'accueil, {counts['slots']} créneau(x)."
            )
        )

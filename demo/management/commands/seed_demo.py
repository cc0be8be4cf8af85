import os
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.accounts import DEMO_ACCOUNTS, ensure_accounts, ensure_second_factor
from demo.builder import DemoAlreadyLoaded, DemoBuilder
from demo.follow_ups import book_coming_follow_ups
from demo.messages import give_consents
from permanences.services import permanences_generate, planning_horizon
from permanences.territory import seed_territory


class Command(BaseCommand):
    help = (
        "Charge la démonstration : territoire, quatre comptes (conseillere, coordination, ville, "
        "admin) et une activité fictive dont l'année 2020 reproduit le bilan publié de Montreuil."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Mot de passe des comptes de démonstration (sinon DEMO_PASSWORD, sinon généré).",
        )

    def handle(self, *args, **options):
        password = options["password"] or os.environ.get("DEMO_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("Mot de passe refusé : " + " ".join(error.messages)) from error

        seed_territory()
        users = ensure_accounts(password)
        second_factors = [factor for user in users if (factor := ensure_second_factor(user))]
        built = False
        try:
            DemoBuilder(today=timezone.localdate()).build()
            built = True
        except DemoAlreadyLoaded:
            self.stdout.write(
                "La base contient déjà des dossiers : aucun dossier de démonstration n'a été ajouté "
                "(le territoire, les quatre comptes de démonstration et le planning des semaines à "
                "venir ont tout de même été créés ou mis à jour)."
            )
        else:
            self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        # As the daily plan_permanences would: the coming weeks, whenever the demo is started.
        start, end = planning_horizon(timezone.localdate(), settings.PLANNING_WEEKS)
        planned = permanences_generate(start=start, end=end)
        self.stdout.write(
            f"Planning des {settings.PLANNING_WEEKS} prochaines semaines à jour : "
            f"{planned.created} permanence(s) créée(s)."
        )
        if built:  # persons expected at the coming sessions, once the sessions exist
            book_coming_follow_ups(today=timezone.localdate(), author=users[0])
            # Some of them accept reminders: `make run` shows them sent to the console.
            give_consents(today=timezone.localdate(), author=users[0])

        self.stdout.write("\nComptes de démonstration :")
        for username, _, _, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<14} {role.label if role else 'Administration'}")
        if generated:
            self.stdout.write(f"Mot de passe (affiché une seule fois) : {password}")
        else:
            self.stdout.write(f"Mot de passe : {password}")
        self.stdout.write(
            "\nDouble authentification (obligatoire pour les comptes qui voient les dossiers et "
            "pour l'administration) : saisissez la clé dans une application d'authentification "
            "(FreeOTP, Aegis…), ou affichez le code du moment avec "
            "« DEBUG=1 .venv/bin/python manage.py demo_totp conseillere » (ou coordination, admin), "
            "ou utilisez un code de secours (une fois chacun)."
        )
        for factor in second_factors:
            self.stdout.write(f"  {factor.username:<14} clé TOTP : {factor.secret}")
            self.stdout.write(f"  {'':<14} codes de secours : {' '.join(factor.recovery_codes[:4])}")

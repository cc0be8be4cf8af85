from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEMO_ACCOUNTS


class Command(BaseCommand):
    help = (
        "Affiche le code de double authentification du moment d'un compte de démonstration "
        "(conseillere, coordination, admin), pour qui n'a pas d'application d'authentification "
        "sous la main."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", choices=[username for username, *_ in DEMO_ACCOUNTS])

    def handle(self, *args, username, **options):
        totp = Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).first()
        if totp is None:
            raise CommandError(f"Le compte {username} n'a pas de double authentification.")
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(decrypt(totp.data["secret"]), current)))

"""The four demo accounts, and the second factor of those that must use one."""

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.accounts import requires_two_factor
from core.enums import Role

User = get_user_model()

DEMO_ACCOUNTS = (
    # username, first name, last name, role (None: the installation's admin)
    ("conseillere", "Camille", "Démo-Conseillère", Role.CONSEILLER),
    ("coordination", "Inès", "Démo-Coordination", Role.COORDINATION),
    ("ville", "Paul", "Démo-Ville", Role.VILLE),
    ("admin", "Alex", "Démo-Admin", None),
)


@dataclass
class SecondFactor:
    """What the demo prints for an account that must use two-factor authentication."""

    username: str
    secret: str
    recovery_codes: list[str]


def ensure_second_factor(user) -> SecondFactor | None:
    """Coordination and admin log in with a TOTP code: give the demo accounts an
    authenticator (and recovery codes) whose secret is printed with the logins."""
    if not requires_two_factor(user):
        return None
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        totp = TOTP.activate(user, generate_totp_secret()).instance
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(user)
    return SecondFactor(user.username, decrypt(totp.data["secret"]), recovery.get_unused_codes())


def ensure_accounts(password: str) -> list[User]:
    """Create the four demo accounts, or set their password when it differs."""
    users = []
    for username, first_name, last_name, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
                "is_staff": role is None,
                "is_superuser": role is None,
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        users.append(user)
    return users

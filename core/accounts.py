"""Accounts of the staff: no self sign-up, TOTP required for some roles,
sessions that end on time and when an account is deactivated."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .enums import Role
from .roles import roles_of

LOGIN_AT = "login_at"
LAST_SEEN = "last_seen"
TWO_FACTOR_CHECKED = "two_factor_checked"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words whether the account exists or not.
        "username_password_mismatch": "Nom d’utilisateur ou mot de passe incorrect.",
    }

    def is_open_for_signup(self, request) -> bool:
        # Accounts are created by an admin, with their role.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A login of the last few minutes counts as a fresh authentication, so
        # that the two-factor set-up forced right after it asks no password again.
        request = context.request
        login_at = request.session.get(LOGIN_AT) if request is not None else None
        if login_at and time.time() - login_at < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # The TOTP of a role that must use it stays; it can be replaced by an admin.
        if authenticator.type == Authenticator.Type.TOTP and requires_two_factor(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


def requires_two_factor(user) -> bool:
    """The roles of MFA_REQUIRED_ROLES (counsellors and coordination by default) and
    staff admins must log in with a TOTP code."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or any(role.value in settings.MFA_REQUIRED_ROLES for role in roles_of(user))


def two_factor_rule() -> str:
    """Who must use two-factor authentication, in French, from the settings in force."""
    labels = {
        Role.CONSEILLER: "les conseillers",
        Role.COORDINATION: "la coordination",
        Role.VILLE: "la ville",
    }
    who = [labels.get(role, f"le rôle {role}") for role in settings.MFA_REQUIRED_ROLES]
    who.append("l'administration")
    return ", ".join(who[:-1]) + " et " + who[-1] if len(who) > 1 else who[0]


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def attempted_username(request, credentials) -> str:
    """The identifier django-axes counts failures for (allauth's field is `login`)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    return (value or "").strip().lower()[:150]


@receiver(user_logged_in)
def start_session(sender, request, user, **kwargs):
    """Time the session from its login, and check the two-factor rule once."""
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[LOGIN_AT] = now
        request.session[LAST_SEEN] = now
        request.session[TWO_FACTOR_CHECKED] = not requires_two_factor(user) or has_totp(user)


def end_sessions_of(user) -> int:
    """Delete every session of `user` (database sessions)."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@receiver(post_save, sender=get_user_model())
def end_sessions_of_deactivated_user(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        end_sessions_of(instance)

"""Roles: Django groups named after `Role`.

A user's roles are read once per request and cached on the user object. Each
app's `perms.py` says what a role may do there, from these.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from .enums import Role


def roles_of(user) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(Role(name) for name in names if name in Role.values)
        user._roles_cache = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return not roles_of(user).isdisjoint(roles)


def users_with_role(role: Role):
    """The active accounts that hold `role`, by name: what a list of choices offers."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .order_by("first_name", "last_name", "username")
    )


def is_admin(user) -> bool:
    """Runs the installation through the Django admin."""
    return getattr(user, "is_authenticated", False) and user.is_active and user.is_staff


class Refused(PermissionDenied):
    """A 403 that tells the user why, in French (the message is shown on the page)."""


def require(allowed: bool) -> None:
    """A 403 unless `allowed`: what each app's `require_…` helpers raise."""
    if not allowed:
        raise PermissionDenied

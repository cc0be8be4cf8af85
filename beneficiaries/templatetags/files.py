"""Template filters of the file pages."""

from django import template

from .. import perms

register = template.Library()


@register.filter
def correctable_by(row, user) -> bool:
    """Whether `user` may correct or delete this visit, referral or outcome (perms.can_correct)."""
    return perms.can_correct(user, row)

from django import template

from core.accounts import two_factor_rule as _two_factor_rule

register = template.Library()


@register.filter
def user_label(user) -> str:
    """A staff member's name as shown in lists: full name, else username, else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.simple_tag
def two_factor_rule() -> str:
    """Who must use two-factor authentication (MFA_REQUIRED_ROLES), in French."""
    return _two_factor_rule()


@register.filter
def days_as_text(days: int) -> str:
    """A period of the settings in French: 730 -> "2 ans (730 jours)", 90 -> "90 jours"."""
    in_days = f"{days} jour{'s' if days > 1 else ''}"
    if days and days % 365 == 0:
        years = days // 365
        return f"{years} an{'s' if years > 1 else ''} ({in_days})"
    return in_days

from django import template

register = template.Library()


@register.filter
def user_label(user) -> str:
    """A staff member's name as shown in lists: full name, else username, else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()

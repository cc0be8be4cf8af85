"""Who may do what with territory and sessions."""

from core.enums import Role
from core.roles import has_role


def can_run_permanences(user) -> bool:
    """Open today's sessions, open one ad hoc, mark them held or cancelled."""
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)

"""Who may do what with case files.

Counsellors and coordination see every case file of the service (one file
across venues); the city (`ville`) never sees a name, a file or a row about one
person.
"""

from core.enums import Role
from core.roles import has_role


def can_view_files(user) -> bool:
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def can_edit_files(user) -> bool:
    """Create and edit files, log visits, referrals, outcomes, next steps."""
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def can_manage_files(user) -> bool:
    """Nominative exports, import, merging duplicates, RGPD requests."""
    return has_role(user, Role.COORDINATION)

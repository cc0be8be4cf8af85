"""Who may see and publish the yearly figures (aggregates only)."""

from permanences.enums import Role
from permanences.perms import has_role


def can_view_dashboards(user) -> bool:
    return has_role(user, Role.COORDINATION, Role.VILLE)


def can_publish(user) -> bool:
    return has_role(user, Role.COORDINATION)

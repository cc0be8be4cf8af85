"""Who may see and publish the yearly figures (aggregates only)."""

from core.enums import Role
from core.roles import has_role, require


def can_view_dashboards(user) -> bool:
    return has_role(user, Role.COORDINATION, Role.VILLE)


def can_publish(user) -> bool:
    return has_role(user, Role.COORDINATION)


def can_view_data_quality(user) -> bool:
    return has_role(user, Role.COORDINATION)


def must_mask_small_counts(user) -> bool:
    """The city sees aggregates only: small counts of cross-tabulations are hidden.

    Coordination, who sees the case files anyway, sees every figure.
    """
    return not has_role(user, Role.COORDINATION)


def require_dashboards(request) -> None:
    require(can_view_dashboards(request.user))


def require_publish(request) -> None:
    require(can_publish(request.user))


def require_data_quality(request) -> None:
    require(can_view_data_quality(request.user))

"""Who may do what with territory and sessions, and the lookups the views go through."""

from django.shortcuts import get_object_or_404

from core.enums import Role
from core.roles import has_role, require

from .models import Permanence, Venue


def can_run_permanences(user) -> bool:
    """Open today's sessions, open one ad hoc, mark them held or cancelled."""
    return has_role(user, Role.CONSEILLER, Role.COORDINATION)


def require_run_permanences(request) -> None:
    require(can_run_permanences(request.user))


def can_plan_permanences(user) -> bool:
    """The planning of the coming weeks: add, move, cancel sessions, assign counsellors;
    and close the past sessions left "planned" (data-quality panel)."""
    return has_role(user, Role.COORDINATION)


def require_plan_permanences(request) -> None:
    require(can_plan_permanences(request.user))


def get_permanence_for_user(request, pk: int) -> Permanence:
    require_run_permanences(request)
    return get_object_or_404(Permanence.objects.select_related("venue__quarter"), pk=pk)


def get_planned_permanence_for_user(request, pk: int) -> Permanence:
    """A session, for the planning's actions (coordination), with what their pages show."""
    require_plan_permanences(request)
    return get_object_or_404(Permanence.objects.for_listing(), pk=pk)


def get_public_venue(pk: int) -> Venue:
    """An active venue, for everyone; an inactive venue has no public schedule (a 404)."""
    return get_object_or_404(Venue.objects.active().select_related("quarter"), pk=pk)

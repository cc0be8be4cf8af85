"""Queries of the figures shown beside the council grid, never inside it: they
never change `persons` or `appointments` (docs/BILAN.md)."""

from django.db.models import Count, Q

from beneficiaries.enums import AppointmentState
from beneficiaries.models import Appointment

from .figures import FollowUps
from .scope import Scope


def follow_up_figures(scope: Scope) -> FollowUps:
    """Follow-up appointments not cancelled whose session is in the year (at the
    scope's venues), and what became of them so far, in one query."""
    start, end = scope.bounds
    appointments = (
        Appointment.objects.active()
        .filter(scope.venue_filter("permanence__"), permanence__date__gte=start, permanence__date__lt=end)
        .with_state()
    )
    return FollowUps(
        **appointments.aggregate(
            booked=Count("pk"),
            honoured=Count("pk", filter=Q(state=AppointmentState.HONOURED)),
            missed=Count("pk", filter=Q(state=AppointmentState.MISSED)),
        )
    )

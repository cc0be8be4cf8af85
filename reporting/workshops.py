"""The workshops' figures, beside the council grid (docs/BILAN.md, `workshops`).

A workshop is never an individual appointment: these figures come from the
workshops' own tables and never enter `persons` or `appointments`, which
reporting/queries.py counts from the visits alone.
"""

from django.db.models import Count, Exists, OuterRef, Q

from beneficiaries.enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Workshop

from .figures import WorkshopFigures
from .scope import Scope


def workshop_figures(scope: Scope) -> WorkshopFigures:
    """The scope's workshops dated in the year, cancelled ones aside, in one query:
    how many, their registrations with a place, those marked present, the
    distinct persons present, and those of them with no visit of the year in
    the scope (no attendance row: reporting/models.py).
    """
    start, end = scope.bounds
    with_place = Q(registrations__status=RegistrationStatus.REGISTERED)
    present = with_place & Q(registrations__attendance=AttendanceMark.PRESENT)
    seen = scope.attendance().filter(beneficiary=OuterRef("registrations__beneficiary"))
    # Named apart from the relation: an aggregate called "registrations" would hide it.
    counts = (
        Workshop.objects.filter(scope.venue_filter(""), date__gte=start, date__lt=end)
        .exclude(status=WorkshopStatus.CANCELLED)
        .aggregate(
            n_sessions=Count("pk", distinct=True),
            n_registrations=Count("registrations", filter=with_place),
            n_attendances=Count("registrations", filter=present),
            n_persons=Count("registrations__beneficiary", filter=present, distinct=True),
            n_persons_without_appointment=Count(
                "registrations__beneficiary", filter=present & ~Exists(seen), distinct=True
            ),
        )
    )
    return WorkshopFigures(**{name.removeprefix("n_"): value for name, value in counts.items()})

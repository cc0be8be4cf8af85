"""The yearly bilan, computed by the definitions of DESIGN.md and docs/BILAN.md.

The command, the dashboards, the publication and every export call
`compute_bilan`: it puts together, in a `Bilan` (reporting/figures.py), what
the queries of reporting/queries.py count in the activity of a `Scope`
(reporting/scope.py). How, and why that way: docs/BILAN.md, « Comment le
bilan est calculé ».
"""

from dataclasses import asdict

from django.utils import timezone

from beneficiaries.bounds import EARLIEST_ACTIVITY
from permanences.models import Quarter, Venue

from .beside_grid import follow_up_figures
from .cached import cached_values, data_version
from .figures import MONTHS, Bilan, MonthRow, VenueRow
from .queries import outcome_figures, referral_figures, session_figures, visit_figures
from .scope import Scope
from .workshops import workshop_figures

# The earliest year a bilan may be asked for (as PublishedBilan's constraint):
# that of the earliest activity a file may hold.
FIRST_YEAR = EARLIEST_ACTIVITY.year


def compute_bilan(year: int, *, venue: Venue | None = None, quarter: Quarter | None = None) -> Bilan:
    """The bilan of `year`, optionally restricted to one venue or the venues of one quarter.

    Eight queries whatever the data: venues, quarters, then one per figure
    family, the follow-ups and the workshops (beside the council grid) included.
    """
    scope = Scope(year=year, venue=venue, quarter=quarter)
    venues = list(scope.venues())
    quarters = list(Quarter.objects.order_by("name", "pk"))
    visits = visit_figures(scope, venues=venues, quarters=quarters)
    sessions = session_figures(scope)
    outcomes = outcome_figures(scope, venues=venues)
    by_venue = [
        VenueRow(
            venue_id=venue_row.pk,
            name=venue_row.name,
            quarter=venue_row.quarter.name,
            permanences_held=sessions.by_venue.get(venue_row.pk, 0),
            outcomes=outcomes.by_venue[venue_row.pk],
            **visits.by_venue[venue_row.pk],
        )
        for venue_row in venues
        # A closed venue appears in the years it was open only.
        if venue_row.is_active
        or sessions.by_venue.get(venue_row.pk)
        or visits.by_venue[venue_row.pk]["persons"]
    ]
    return Bilan(
        year=year,
        scope=scope.as_dict(),
        permanences_held=sessions.total,
        persons=visits.persons,
        new_persons=visits.new_persons,
        women=visits.women,
        men=visits.men,
        sex_unknown=visits.sex_unknown,
        appointments=visits.appointments,
        persons_with_outcome=outcomes.persons_with_outcome,
        outcomes=outcomes.by_kind,
        age_bands=visits.age_bands,
        priority_quarter_residents=visits.priority_quarter_residents,
        employment=outcomes.employment,
        training=outcomes.training,
        durable_employment=outcomes.durable_employment,
        by_quarter=visits.by_quarter,
        by_venue=by_venue,
        by_month=[
            MonthRow(
                month=month,
                permanences_held=sessions.by_month[month],
                appointments=sessions.appointments_by_month[month],
                persons=visits.by_month[month],
            )
            for month in MONTHS
        ],
        referrals=referral_figures(scope),
        follow_ups=follow_up_figures(scope),
        workshops=workshop_figures(scope),
    )


def cache_name(
    year: int, *, venue: Venue | None = None, quarter: Quarter | None = None, this_year: int | None = None
) -> str:
    """The name of a bilan in the cache: its year, its scope, and whether the year
    was over (Paris time) when its figures were computed."""
    this_year = this_year or timezone.localdate().year
    place = f"{venue.pk if venue else ''}:{quarter.pk if quarter else ''}"
    return f"bilan:{year}:{place}:{'over' if year < this_year else 'running'}"


def cached_bilans(
    years: list[int], *, venue: Venue | None = None, quarter: Quarter | None = None
) -> list[Bilan]:
    """`compute_bilan` of each year, through the shared cache (reporting/cached.py),
    for display: the dashboards, the exports, the publication page. Warm, two
    queries (the data version, the cache), and one per year not over yet;
    cold, those, eight per year, and the cache's writes. Always rebuilt from
    the same JSON as a publication, so that a figure reads the same warm or cold.

    The follow-ups of a year not over yet depend on the clock too (an
    appointment is missed once its session has ended): computed each time. The
    key says whether the year was over when its figures were computed, so that
    figures computed while it was running are never read once it is over (their
    follow-ups may still count as booked a session of its last day).
    """
    this_year = timezone.localdate().year
    keys = {year: cache_name(year, venue=venue, quarter=quarter, this_year=this_year) for year in years}
    values = cached_values(
        data_version(max(years)),
        {
            keys[year]: lambda year=year: compute_bilan(year, venue=venue, quarter=quarter).as_dict()
            for year in years
        },
    )
    bilans = []
    for year in years:
        figures = values[keys[year]]
        if year >= this_year:
            scope = Scope(year=year, venue=venue, quarter=quarter)
            figures = {**figures, "follow_ups": asdict(follow_up_figures(scope))}
        bilans.append(Bilan.from_dict(figures))
    return bilans

"""The bilan's queries, one per figure family (docs/BILAN.md, « Comment le bilan est calculé »).

Every figure is an aggregate SQL query; nothing loops over visits or persons
in Python (only over the few rows the queries return: months, venues,
quarters, kinds, and the groups of persons by sex, quarter, age band and
first year).

What the visits say of each person is read from `Attendance` (one row per
person, year and venue, and one per person and year for all venues), which
the database keeps equal to the visits (reporting/models.py): one row per
person seen, with their sex, quarter and birth date beside it, instead of
every visit of the year joined to its session and its person.

- `visit_figures`: the persons seen in the scope, grouped by sex, quarter,
  age band and first year, with their visits and the months they came in;
  and the persons and visits of each venue;
- `session_figures`: held permanences by venue and month, and visits by month;
- `outcome_figures`: the outcomes starting in the year of the persons counted,
  grouped by kind and set of venues, with their distinct persons;
- `referral_figures`: referrals proposed in the year, by partner and result.
"""

import datetime

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Outcome, Referral
from permanences.models import Permanence, Quarter, Venue

from .db import compiled, count_each, fetch_union, venue_masks, venues_in
from .figures import (
    AGE_BANDS,
    MONTHS,
    OutcomeFigures,
    PersonsAndOutcomes,
    QuarterRow,
    ReferralRow,
    SessionFigures,
    VisitFigures,
)
from .scope import Scope, month_bounds

TRAINING_KINDS = (OutcomeKind.FORMATION,)
EMPLOYMENT_KINDS = tuple(kind for kind in OutcomeKind if kind not in TRAINING_KINDS)
# Durable employment: CDI, création d'activité, and CDD or intérim of six
# months or more (end date included, hence the day after it is compared).
ALWAYS_DURABLE_KINDS = (OutcomeKind.CDI, OutcomeKind.CREATION_ACTIVITE)
DURABLE_IF_SIX_MONTHS_KINDS = (OutcomeKind.CDD, OutcomeKind.INTERIM)
NOT_STATED_QUARTER = "Hors quartiers listés ou non renseigné"


# --- persons and their visits ------------------------------------------------------


def _visit_rows(scope: Scope) -> list[tuple]:
    """The rows of visit_figures' query: (part, sex, quarter or venue, age
    band, first year, persons, visits, then one count per month).

    A person's months are a bitmask, as in `Attendance.months` (bit m set:
    they came in month m), so the persons of a group who came in month m
    are those whose `p_months & (1 << m)` is not zero.
    """
    persons = scope.persons()
    persons_sql, persons_params = compiled(persons)
    months = ", ".join(f"COUNT(*) FILTER (WHERE (p_months & {1 << month}) <> 0)" for month in MONTHS)
    by_venue_sql, by_venue_params = compiled(
        scope.attendance().values("venue", "sex").annotate(n=Count("*"), v=Sum("visits")).order_by()
    )
    no_months = ", ".join("0" for _ in MONTHS)
    return fetch_union(
        persons.db,
        [
            (
                f"SELECT 0, p_sex, p_quarter, p_age, p_first_year, COUNT(*), SUM(p_visits), {months} "  # noqa: S608
                f"FROM ({persons_sql}) AS persons GROUP BY p_sex, p_quarter, p_age, p_first_year",
                persons_params,
            ),
            (
                f"SELECT 1, sex, venue, NULL, NULL, n, v, {no_months} FROM ({by_venue_sql}) AS by_venue",  # noqa: S608
                by_venue_params,
            ),
        ],
    )


def _sex_split() -> dict[str, int]:
    return {"persons": 0, "women": 0, "men": 0, "sex_unknown": 0, "appointments": 0}


def _add(split: dict[str, int], sex: str, persons: int, appointments: int) -> None:
    split["persons"] += persons
    split[{Sex.FEMALE: "women", Sex.MALE: "men"}.get(sex, "sex_unknown")] += persons
    split["appointments"] += appointments


def visit_figures(scope: Scope, *, venues: list[Venue], quarters: list[Quarter]) -> VisitFigures:
    """Everything counted from the persons seen in the scope, in one query.

    Its first part groups the persons (one attendance row each) by sex,
    quarter, age band at their first visit in the scope and whether the year
    is their first in the service: how many, their visits, and how many came
    in each month. Its second part counts, for each venue and sex, the
    persons who came there and their visits. Python adds up these few
    hundred rows at most.
    """
    total, by_quarter = _sex_split(), {quarter.pk: _sex_split() for quarter in quarters}
    by_quarter[None] = _sex_split()
    by_venue = {venue.pk: _sex_split() for venue in venues}
    age_bands = dict.fromkeys(AGE_BANDS, 0)
    by_month = dict.fromkeys(MONTHS, 0)
    new_persons = 0
    for part, sex, place, age, first_year, n, visits, *per_month in _visit_rows(scope):
        n, visits = int(n), int(visits or 0)
        if part == 1:
            _add(by_venue.setdefault(place, _sex_split()), sex, n, visits)
            continue
        _add(total, sex, n, visits)
        _add(by_quarter.setdefault(place, _sex_split()), sex, n, visits)
        age_bands[age] += n
        new_persons += n if first_year else 0
        for month, count in zip(MONTHS, per_month, strict=True):
            by_month[month] += int(count)

    def quarter_row(quarter_id, name, is_priority) -> QuarterRow:
        return QuarterRow(quarter_id=quarter_id, name=name, is_priority=is_priority, **by_quarter[quarter_id])

    return VisitFigures(
        **total,
        new_persons=new_persons,
        age_bands=age_bands,
        priority_quarter_residents=sum(
            by_quarter[quarter.pk]["persons"] for quarter in quarters if quarter.is_priority
        ),
        by_quarter=[
            *(quarter_row(quarter.pk, quarter.name, quarter.is_priority) for quarter in quarters),
            quarter_row(None, NOT_STATED_QUARTER, False),
        ],
        by_venue=by_venue,
        by_month=by_month,
    )


# --- sessions --------------------------------------------------------------------


def session_figures(scope: Scope) -> SessionFigures:
    """Held permanences of the year by venue and month, and visits by month, in one query.

    The visits of each month are counted on their own: twelve counts that
    PostgreSQL takes from the index on the date alone.
    """
    start, end = scope.bounds
    held_sql, held_params = compiled(
        Permanence.objects.held()
        .filter(scope.venue_filter(""), date__gte=start, date__lt=end)
        .annotate(month=ExtractMonth("date"))
        .values("venue", "month")
        .annotate(held=Count("pk"))
        .order_by()
    )
    visits_sql, visits_params = count_each(
        scope.visits(start, end),
        [
            dict(zip(("date__gte", "date__lt"), month_bounds(scope.year, month), strict=True))
            for month in MONTHS
        ],
    )
    held = {"venue": {}, "month": dict.fromkeys(MONTHS, 0)}
    appointments = dict.fromkeys(MONTHS, 0)
    rows = fetch_union(
        Permanence.objects.db,
        [
            (f"SELECT venue, month, held FROM ({held_sql}) AS held", held_params),  # noqa: S608
            (f"SELECT NULL, cell + 1, counted FROM ({visits_sql}) AS visits", visits_params),  # noqa: S608
        ],
    )
    for venue, month, count in rows:  # at most (venues + 1) x 12 rows
        month, count = int(month), int(count)
        if venue is None:
            appointments[month] = count
            continue
        held["venue"][venue] = held["venue"].get(venue, 0) + count
        held["month"][month] += count
    return SessionFigures(
        total=sum(held["month"].values()),
        by_venue=held["venue"],
        by_month=held["month"],
        appointments_by_month=appointments,
    )


# --- outcomes --------------------------------------------------------------------


def _months_days(expression):
    """A date as (year * 12 + month) * 100 + day: a difference >= 600 is six months or more."""
    return (ExtractYear(expression) * 12 + ExtractMonth(expression)) * 100 + ExtractDay(expression)


def _outcomes_of_the_year(scope: Scope, masks: list) -> tuple:
    """The inner query of outcome_figures, and the names of its mask columns.

    One row per outcome starting in the year: its person and kind, whether
    it is durable employment, and the set of venues of the scope where its
    person was seen in the year (`masks`, from `venue_masks`, over their
    attendance rows, looked up for each outcome, where a join would read the
    year's attendance whole; NULL when they were not seen in the scope).
    """
    start, end = scope.bounds
    six_months = _months_days(
        ExpressionWrapper(F("end_date") + datetime.timedelta(days=1), output_field=DateField())
    ) - _months_days(F("start_date"))
    durable = Q(kind__in=ALWAYS_DURABLE_KINDS) | Q(
        kind__in=DURABLE_IF_SIX_MONTHS_KINDS, end_date__isnull=False, p_span__gte=600
    )
    seen = scope.attendance().filter(beneficiary=OuterRef("beneficiary")).order_by().values("beneficiary")
    columns = [f"p_venues{index}" for index in range(len(masks))]
    outcomes = (
        Outcome.objects.filter(start_date__gte=start, start_date__lt=end)
        .alias(p_span=ExpressionWrapper(six_months, output_field=IntegerField()))
        .annotate(
            p_durable=Case(When(durable, then=Value(1)), default=Value(0)),
            **{
                name: Subquery(seen.annotate(mask=mask).values("mask"))
                for name, (mask, _) in zip(columns, masks, strict=True)
            },
        )
        .values("p_durable", *columns, p_person=F("beneficiary"), p_kind=F("kind"))
        .order_by()
    )
    return outcomes, columns


def _distinct_persons_if(kinds) -> tuple[str, list[str]]:
    placeholders = ", ".join(["%s"] * len(kinds))
    return f"COUNT(DISTINCT CASE WHEN p_kind IN ({placeholders}) THEN p_person END)", [
        str(kind) for kind in kinds
    ]


def _outcome_rows(outcomes, columns: list[str]) -> list[tuple]:
    """Keep the outcomes of the persons seen in the scope (a venue in their
    set). Part 0: outcomes by kind and set of venues (a few rows per kind);
    part 1: the distinct persons, once."""
    inner_sql, inner_params = compiled(outcomes)
    seen_there = " OR ".join(f"{column} <> 0" for column in columns) or "1 = 0"
    employment, employment_params = _distinct_persons_if(EMPLOYMENT_KINDS)
    training, training_params = _distinct_persons_if(TRAINING_KINDS)
    column_list = ", ".join(columns)
    no_columns = ", ".join("NULL" for _ in columns)
    sql = (
        f"WITH grouped AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        f"SELECT 0, p_kind, COUNT(*), SUM(p_durable), 0, 0, 0, 0{', ' if columns else ''}{column_list} "
        f"FROM grouped WHERE {seen_there} GROUP BY p_kind{', ' if columns else ''}{column_list} "
        "UNION ALL "
        "SELECT 1, NULL, 0, 0, COUNT(DISTINCT p_person), "
        "COUNT(DISTINCT CASE WHEN p_durable = 1 THEN p_person END), "
        f"{employment}, {training}{', ' if columns else ''}{no_columns} "
        f"FROM grouped WHERE {seen_there}"
    )
    with connections[outcomes.db].cursor() as cursor:
        cursor.execute(sql, [*inner_params, *employment_params, *training_params])
        return cursor.fetchall()


def outcome_figures(scope: Scope, *, venues: list[Venue]) -> OutcomeFigures:
    """Outcomes starting in the year of the persons counted, in one query.

    Outcomes are not tied to a venue: a person seen at two venues brings
    their outcomes to both, as their person counts once at each. The query
    groups the outcomes of the persons seen in the scope by kind and set of
    venues (`_outcomes_of_the_year`, `_outcome_rows`), which Python spreads
    over the venues, and counts their distinct persons.
    """
    masks = venue_masks(venues, "venue")
    rows = _outcome_rows(*_outcomes_of_the_year(scope, masks))
    by_kind = dict.fromkeys(OutcomeKind.values, 0)
    by_venue = {venue.pk: dict.fromkeys(OutcomeKind.values, 0) for venue in venues}
    durable_outcomes = 0
    persons = durable_persons = employment_persons = training_persons = 0
    for part, kind, count, durable_count, *persons_and_masks in rows:
        if part == 1:
            persons, durable_persons, employment_persons, training_persons = map(int, persons_and_masks[:4])
            continue
        by_kind[kind] += int(count)
        durable_outcomes += int(durable_count or 0)
        for pk in venues_in(persons_and_masks[4:], masks):
            by_venue[pk][kind] += int(count)
    return OutcomeFigures(
        persons_with_outcome=persons,
        by_kind=by_kind,
        employment=PersonsAndOutcomes(
            persons=employment_persons, outcomes=sum(by_kind[kind] for kind in EMPLOYMENT_KINDS)
        ),
        training=PersonsAndOutcomes(
            persons=training_persons, outcomes=sum(by_kind[kind] for kind in TRAINING_KINDS)
        ),
        durable_employment=PersonsAndOutcomes(persons=durable_persons, outcomes=durable_outcomes),
        by_venue=by_venue,
    )


# --- referrals --------------------------------------------------------------------


def referral_figures(scope: Scope) -> list[ReferralRow]:
    """Referrals proposed in the year, by partner and result, every partner listed, in one query.

    One count per partner and result: PostgreSQL takes each from the index
    on (partner, status, proposed_on) alone, where grouping the year's
    referrals would read and hash them all. Restricted to a venue or
    quarter: the referrals made during a visit there.
    """
    start, end = scope.bounds
    referrals = Referral.objects.filter(proposed_on__gte=start, proposed_on__lt=end)
    if scope.is_restricted:
        referrals = referrals.filter(scope.venue_filter("visit__permanence__"))
    cells = [(partner, status) for partner in Partner for status in ReferralStatus]
    sql, params = count_each(referrals, [{"partner": partner, "status": status} for partner, status in cells])
    count = {cells[cell]: int(value) for cell, value in fetch_union(referrals.db, [(sql, params)])}
    rows = []
    for partner in Partner:
        by_status = {status: count[partner, status] for status in ReferralStatus}
        rows.append(
            ReferralRow(
                partner=partner.value,
                label=partner.label,
                total=sum(by_status.values()),
                proposed=by_status[ReferralStatus.PROPOSED],
                done=by_status[ReferralStatus.DONE],
                not_taken_up=by_status[ReferralStatus.NOT_TAKEN_UP],
            )
        )
    return rows

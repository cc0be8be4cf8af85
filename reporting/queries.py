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

from .db import BitOr, compiled, count_each, fetch_union
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


def _months_days(expression):
    """A date as (year * 12 + month) * 100 + day: a difference >= 600 is six months or more."""
    return (ExtractYear(expression) * 12 + ExtractMonth(expression)) * 100 + ExtractDay(expression)


# Venues are ORed into integers, this many bits to one (int4 everywhere).
VENUES_PER_MASK = 30


def _venue_masks(venues: list[Venue], path: str) -> list[tuple[BitOr, dict[int, int]]]:
    """One BitOr per chunk of venues, with each venue's bit: the set of venues
    where a group's rows took place."""
    masks = []
    for start in range(0, len(venues), VENUES_PER_MASK):
        chunk = venues[start : start + VENUES_PER_MASK]
        bits = {venue.pk: 1 << index for index, venue in enumerate(chunk)}
        expression = Case(
            *(When(**{path: pk}, then=Value(bit)) for pk, bit in bits.items()), default=Value(0)
        )
        masks.append((BitOr(expression), bits))
    return masks


def visit_figures(scope: Scope, *, venues: list[Venue], quarters: list[Quarter]) -> VisitFigures:
    """Everything counted from the persons seen in the scope, in one query.

    Its first part groups the persons (one attendance row each) by sex,
    quarter, age band at their first visit in the scope and whether the year
    is their first in the service: how many, their visits, and how many came
    in each month. Its second part counts, for each venue and sex, the
    persons who came there and their visits. Python adds up these few
    hundred rows at most.
    """
    persons = scope.persons()
    persons_sql, persons_params = compiled(persons)
    months = ", ".join(f"COUNT(*) FILTER (WHERE (p_months & {1 << month}) <> 0)" for month in MONTHS)
    by_venue_sql, by_venue_params = compiled(
        scope.attendance().values("venue", "sex").annotate(n=Count("*"), v=Sum("visits")).order_by()
    )
    no_months = ", ".join("0" for _ in MONTHS)
    rows = fetch_union(
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

    def sex_split() -> dict[str, int]:
        return {"persons": 0, "women": 0, "men": 0, "sex_unknown": 0, "appointments": 0}

    def add(split: dict[str, int], sex: str, persons: int, appointments: int) -> None:
        split["persons"] += persons
        split[{Sex.FEMALE: "women", Sex.MALE: "men"}.get(sex, "sex_unknown")] += persons
        split["appointments"] += appointments

    total, by_quarter = sex_split(), {quarter.pk: sex_split() for quarter in quarters}
    by_quarter[None] = sex_split()
    by_venue = {venue.pk: sex_split() for venue in venues}
    age_bands = dict.fromkeys(AGE_BANDS, 0)
    by_month = dict.fromkeys(MONTHS, 0)
    new_persons = 0
    for part, sex, place, age, first_year, n, visits, *per_month in rows:
        n, visits = int(n), int(visits or 0)
        if part == 1:
            add(by_venue.setdefault(place, sex_split()), sex, n, visits)
            continue
        add(total, sex, n, visits)
        add(by_quarter.setdefault(place, sex_split()), sex, n, visits)
        age_bands[age] += n
        new_persons += n if first_year else 0
        for month, count in zip(MONTHS, per_month, strict=True):
            by_month[month] += int(count)

    def quarter_row(quarter_id, name, is_priority) -> QuarterRow:
        split = by_quarter[quarter_id]
        return QuarterRow(quarter_id=quarter_id, name=name, is_priority=is_priority, **split)

    return VisitFigures(
        persons=total["persons"],
        new_persons=new_persons,
        women=total["women"],
        men=total["men"],
        sex_unknown=total["sex_unknown"],
        appointments=total["appointments"],
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


def outcome_figures(scope: Scope, *, venues: list[Venue]) -> OutcomeFigures:
    """Outcomes starting in the year of the persons counted, in one query.

    Inner query: one row per outcome starting in the year: its person and
    kind, whether it is durable employment, and the set of venues of the
    scope where its person was seen in the year (a lookup in their attendance
    rows for each, where a join would read the year's attendance whole).
    Outcomes are not tied to a venue: a person seen at two venues brings their
    outcomes to both, as their person counts once at each. The outer query
    keeps the outcomes of the persons seen in the scope (a venue in their
    set) and groups them by kind and set of venues (a few rows per kind, that
    Python spreads over the venues), and counts their distinct persons.
    """
    start, end = scope.bounds
    six_months = _months_days(
        ExpressionWrapper(F("end_date") + datetime.timedelta(days=1), output_field=DateField())
    ) - _months_days(F("start_date"))
    durable = Q(kind__in=ALWAYS_DURABLE_KINDS) | Q(
        kind__in=DURABLE_IF_SIX_MONTHS_KINDS, end_date__isnull=False, p_span__gte=600
    )
    seen = scope.attendance().filter(beneficiary=OuterRef("beneficiary")).order_by().values("beneficiary")
    venue_masks = _venue_masks(venues, "venue")
    masks = [f"p_venues{index}" for index in range(len(venue_masks))]
    outcomes = (
        Outcome.objects.filter(start_date__gte=start, start_date__lt=end)
        .alias(p_span=ExpressionWrapper(six_months, output_field=IntegerField()))
        .annotate(
            p_durable=Case(When(durable, then=Value(1)), default=Value(0)),
            **{
                name: Subquery(seen.annotate(mask=mask).values("mask"))
                for name, (mask, _) in zip(masks, venue_masks, strict=True)
            },
        )
        .values("p_durable", *masks, p_person=F("beneficiary"), p_kind=F("kind"))
        .order_by()
    )

    inner_sql, inner_params = compiled(outcomes)
    seen_there = " OR ".join(f"{mask} <> 0" for mask in masks) or "1 = 0"

    def person_if(kinds) -> tuple[str, list[str]]:
        return f"COUNT(DISTINCT CASE WHEN p_kind IN ({', '.join(['%s'] * len(kinds))}) THEN p_person END)", [
            str(kind) for kind in kinds
        ]

    employment, employment_params = person_if(EMPLOYMENT_KINDS)
    training, training_params = person_if(TRAINING_KINDS)
    mask_list = ", ".join(masks)
    no_masks = ", ".join("NULL" for _ in masks)
    # Part 0: outcomes by kind and set of venues (a few rows per kind);
    # part 1: the distinct persons, once.
    sql = (
        f"WITH grouped AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        f"SELECT 0, p_kind, COUNT(*), SUM(p_durable), 0, 0, 0, 0{', ' if masks else ''}{mask_list} "
        f"FROM grouped WHERE {seen_there} GROUP BY p_kind{', ' if masks else ''}{mask_list} "
        "UNION ALL "
        "SELECT 1, NULL, 0, 0, COUNT(DISTINCT p_person), "
        "COUNT(DISTINCT CASE WHEN p_durable = 1 THEN p_person END), "
        f"{employment}, {training}{', ' if masks else ''}{no_masks} "
        f"FROM grouped WHERE {seen_there}"
    )
    with connections[outcomes.db].cursor() as cursor:
        cursor.execute(sql, [*inner_params, *employment_params, *training_params])
        rows = cursor.fetchall()
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
        for mask, (_, bits) in zip(persons_and_masks[4:], venue_masks, strict=True):
            for pk, bit in bits.items():
                if int(mask or 0) & bit:
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

"""A synthetic multi-year dataset on PostgreSQL, and the timing of the bilan on it.

Rows are made by the database itself with `INSERT … SELECT generate_series`,
a handful of statements whatever the size.
"""

import datetime
import time
from dataclasses import dataclass

from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus
from beneficiaries.models import Beneficiary, DistinctPair, Outcome, Referral, Visit
from beneficiaries.normalise import normalise
from demo import names
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue
from permanences.territory import seed_territory
from reporting.bilan import compute_bilan
from reporting.models import Attendance

from .db import BenchmarkError, check_database, execute, fetch_one
from .timing import interleaved

# Multiplier of the visit rank that spreads a session's visits over distinct
# persons (a prime: k * STRIDE mod window is one-to-one for k < window).
STRIDE = 7919
# VACUUM passes, a second apart, until every page of the generated tables is all visible.
VACUUM_ATTEMPTS = 30
SESSION_TIMES = (("09:30", "12:30"), ("14:00", "17:00"))
# The figure the bilan's time must stay under, as a multiple of the reference query's.
TARGET_RATIO = 3

# Attendance is written by the database as visits are (reporting/models.py).
GENERATED = (
    Attendance,
    Referral,
    Outcome,
    Visit.topics.through,
    Visit,
    Beneficiary,
    Permanence.counsellors.through,
    Permanence,
)


@dataclass(frozen=True)
class Size:
    persons: int
    visits: int
    first_year: int
    last_year: int


def add_size_arguments(parser) -> None:
    """The options of a command that generates this dataset: --persons, --visits, --years."""
    parser.add_argument("--persons", type=int, default=100_000, help="Personnes (défaut : 100 000).")
    parser.add_argument("--visits", type=int, default=1_000_000, help="Rendez-vous (défaut : 1 000 000).")
    parser.add_argument("--years", type=int, default=10, help="Années, jusqu'à l'an dernier (défaut : 10).")


def default_size(*, persons: int, visits: int, years: int) -> Size:
    last_year = timezone.localdate().year - 1
    return Size(persons=persons, visits=visits, first_year=last_year - years + 1, last_year=last_year)


def check_empty() -> None:
    """Refuse a database that holds case files or sessions: the clean-up empties their tables."""
    check_database(empty=(Beneficiary, Permanence), holding="dossiers ou des permanences")


def _insert_select(model: type[models.Model], values: dict, source: str, params=()) -> int:
    """INSERT INTO model's table SELECT the given SQL expressions FROM source.

    `values` maps a column to an SQL expression, or to (expression, params).
    Columns not given take their Django default (a constant), so that a field
    added later with a default does not break the benchmark.
    """
    columns, expressions, constants = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in values:
            expression, expression_params = values[field.column], []
            if isinstance(expression, tuple):
                expression, expression_params = expression
            expressions.append(expression)
            constants.extend(expression_params)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        elif field.null:
            expressions.append("NULL")
        elif field.has_default() or field.empty_strings_allowed:
            default = field.get_default()
            expressions.append("%s")
            constants.append(field.get_db_prep_save(default, connection))
        else:
            raise BenchmarkError(f"Pas de valeur pour le champ {model.__name__}.{field.name}.")
    # Table and column names come from the models, expressions from this module: no input.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *params])
        return cursor.rowcount


def generate(size: Size) -> dict[str, int]:
    """Fill an empty database; returns the number of rows made per table."""
    if not Quarter.objects.exists():
        seed_territory()
    counts = {"permanences": _insert_sessions(size), "persons": _insert_persons(size)}
    counts["visits"] = _insert_visits(size)
    counts["outcomes"] = _insert_outcomes()
    counts["referrals"] = _insert_referrals()
    return counts


def _ranked(table: str, select: str, params=()) -> None:
    """A temporary table (dropped at commit) of the rows of `select`, whose
    `rank` column numbers them from 0 and is indexed: the visits pick from it."""
    # Table names and queries come from this module: no input.
    execute(f"CREATE TEMP TABLE {table} ON COMMIT DROP AS {select}", params)
    execute(f"CREATE UNIQUE INDEX ON {table} (rank)")


def _insert_sessions(size: Size) -> int:
    """Every weekday, morning and afternoon, at every venue; one in 40 cancelled.
    The held ones are then numbered in a temporary table, by date."""
    venues = list(Venue.objects.order_by("pk").values_list("pk", flat=True))
    count = _insert_select(
        Permanence,
        {
            "venue_id": "v.venue_id",
            "date": "d.day::date",
            "start_time": "t.start_time",
            "end_time": "t.end_time",
            "status": (
                "CASE WHEN mod(d.n + v.venue_id, 40) = 0 THEN %s ELSE %s END",
                [PermanenceStatus.CANCELLED, PermanenceStatus.HELD],
            ),
            "cancel_reason": "CASE WHEN mod(d.n + v.venue_id, 40) = 0 THEN 'Fermé' ELSE '' END",
        },
        "(SELECT day, row_number() OVER () AS n FROM generate_series(%s::date, %s::date, '1 day') AS day"
        " WHERE extract(isodow FROM day) < 6) AS d"
        " CROSS JOIN unnest(%s::bigint[]) AS v(venue_id)"
        " CROSS JOIN unnest(%s::time[], %s::time[]) AS t(start_time, end_time)",
        [
            datetime.date(size.first_year, 1, 1),
            datetime.date(size.last_year, 12, 31),
            venues,
            [a for a, _ in SESSION_TIMES],
            [b for _, b in SESSION_TIMES],
        ],
    )
    _ranked(
        "bench_session",
        "SELECT id, date, (row_number() OVER (ORDER BY date, id) - 1)::int AS rank "
        "FROM permanences_permanence WHERE status = %s",
        [PermanenceStatus.HELD],
    )
    return count


def _insert_persons(size: Size) -> int:
    """60 % women, 38 % men, 2 % not stated; 5 % without birth date; one in ten
    outside the listed quarters; names combined from the demo's fictitious lists
    (about fifteen files share each pair of names). Then numbered in a temporary table."""
    quarters = list(Quarter.objects.order_by("pk").values_list("pk", flat=True))
    last, last_params = _name_expression(names.FAMILY_NAMES)
    first, first_params = _name_expression(names.FEMALE_FIRST_NAMES, names.MALE_FIRST_NAMES)
    # The search keys: the same picks among the names normalised as the app does.
    _, last_keys = _name_expression([normalise(n) for n in names.FAMILY_NAMES])
    _, first_keys = _name_expression(
        [normalise(n) for n in names.FEMALE_FIRST_NAMES], [normalise(n) for n in names.MALE_FIRST_NAMES]
    )
    count = _insert_select(
        Beneficiary,
        {
            "ref": "'B-' || lpad(i::text, 7, '0')",
            "last_name": (last, last_params),
            "first_name": (first, first_params),
            "search_key": (f"{last} || ' ' || {first}", [*last_keys, *first_keys]),
            "sex": "CASE WHEN mod(i, 50) < 30 THEN 'F' WHEN mod(i, 50) < 49 THEN 'M' ELSE 'N' END",
            "birth_date": (
                "CASE WHEN mod(i, 20) = 7 THEN NULL "
                "ELSE make_date(%s - 16 - mod(i * 37, 50), 1 + mod(i, 12), 1 + mod(i, 28)) END",
                [size.last_year],
            ),
            "quarter_id": (
                "CASE WHEN mod(i, 10) = 3 THEN NULL ELSE (%s::bigint[])[1 + mod(i, %s)] END",
                [quarters, len(quarters)],
            ),
        },
        "generate_series(0, %s - 1) AS i",
        [size.persons],
    )
    _ranked(
        "bench_person",
        "SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS rank FROM beneficiaries_beneficiary",
    )
    return count


def _name_expression(family_or_women, men=None) -> tuple[str, list]:
    """The SQL picking person i's family name (one list), or first name (women's
    list for the women, men's for the others), and its parameters."""
    if men is None:
        return "(%s::text[])[1 + mod(i, %s)]", [list(family_or_women), len(family_or_women)]
    step = len(names.FAMILY_NAMES)
    return (
        "CASE WHEN mod(i, 50) < 30 THEN (%s::text[])[1 + mod(i / %s, %s)]"
        " ELSE (%s::text[])[1 + mod(i / %s, %s)] END",
        [list(family_or_women), step, len(family_or_women), list(men), step, len(men)],
    )


def _insert_visits(size: Size) -> int:
    """Visit i is at session i mod S; its person is drawn from a window of
    persons that slides with time, so that each person comes back over about
    two years and the pairs (person, session) are distinct."""
    [sessions] = fetch_one("SELECT count(*) FROM bench_session")
    years = size.last_year - size.first_year + 1
    window = min(size.persons, max(2 * size.persons // years, size.visits // sessions + 1))
    if window % STRIDE == 0:
        window -= 1
    return _insert_select(
        Visit,
        {"date": "s.date", "kind": "'suivi'", "beneficiary_id": "p.id", "permanence_id": "s.id"},
        "generate_series(0, %s - 1) AS i"
        " JOIN bench_session s ON s.rank = mod(i, %s)"
        " JOIN bench_person p ON p.rank = %s + (mod(i, %s)::bigint * (%s - %s) / %s)"
        " - mod((i / %s)::bigint * %s + mod(i, %s)::bigint * 104729, %s)",
        [
            size.visits,
            sessions,
            window - 1,
            sessions,
            size.persons,
            window,
            sessions,
            sessions,
            STRIDE,
            sessions,
            window,
        ],
    )


def _insert_outcomes() -> int:
    """One visit in 60 is followed by an outcome a few weeks later."""
    kinds = OutcomeKind.values
    return _insert_select(
        Outcome,
        {
            "beneficiary_id": "v.beneficiary_id",
            "kind": ("(%s::text[])[1 + mod(v.id, %s)]", [kinds, len(kinds)]),
            "start_date": "v.date + mod(v.id, 60)::int",
            "end_date": "CASE WHEN mod(v.id, 7) = 0 THEN NULL ELSE v.date + mod(v.id, 60)::int + 180 END",
        },
        "beneficiaries_visit v WHERE mod(v.id, 60) = 0",
    )


def _insert_referrals() -> int:
    """One visit in three; half of them taken up."""
    partners = Partner.values
    statuses = [
        ReferralStatus.PROPOSED,
        ReferralStatus.DONE,
        ReferralStatus.DONE,
        ReferralStatus.NOT_TAKEN_UP,
    ]
    return _insert_select(
        Referral,
        {
            "beneficiary_id": "v.beneficiary_id",
            "visit_id": "v.id",
            "partner": ("(%s::text[])[1 + mod(v.id, %s)]", [partners, len(partners)]),
            "proposed_on": "v.date",
            "status": ("(%s::text[])[1 + mod(v.id / 3, %s)]", [statuses, len(statuses)]),
            "checked_on": "CASE WHEN mod(v.id / 3, 4) = 0 THEN NULL ELSE v.date + 20 END",
        },
        "beneficiaries_visit v WHERE mod(v.id, 3) = 0",
    )


def vacuum_analyze() -> None:
    """Statistics and visibility maps, as autovacuum keeps them in production.

    VACUUM cannot run inside a transaction (a test): ANALYZE alone then.
    """
    tables = [model._meta.db_table for model in GENERATED]
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
        return
    # A transaction that started before the data was committed (autovacuum
    # analysing a table during the load) keeps VACUUM from marking pages all
    # visible, which index-only scans need: vacuum again once it is over.
    for _ in range(VACUUM_ATTEMPTS):
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(
                "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) AND relallvisible < relpages",
                [tables],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(1)


def clean_up() -> None:
    """Empty the tables the benchmark filled (they were empty before it), and
    the ones that refer to them (empty too: the persons were; CASCADE names those
    a later table adds)."""
    tables = ", ".join(model._meta.db_table for model in (DistinctPair, *GENERATED))
    if connection.in_atomic_block:
        # Inside a transaction (a test), the deferred foreign-key checks of
        # the inserts must run before TRUNCATE may.
        execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute(f"TRUNCATE {tables} CASCADE")


def baseline_query(year: int) -> tuple[int, int]:
    """The single hand-written query the bilan is compared with."""
    return fetch_one(
        "SELECT count(*), count(DISTINCT beneficiary_id) FROM beneficiaries_visit"
        " WHERE date >= %s AND date < %s",
        [datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)],
    )


def measure(year: int, *, runs: int) -> dict:
    """The bilan of `year` against the reference query, once they are shown to
    count the same visits and persons: their timings, ratio and query count."""
    visits, persons = baseline_query(year)
    with CaptureQueriesContext(connection) as queries:
        bilan = compute_bilan(year)
    if (bilan.appointments, bilan.persons) != (visits, persons):
        raise BenchmarkError("Le bilan et la requête de référence ne comptent pas la même chose.")
    timings = interleaved(
        {"bilan": lambda: compute_bilan(year), "reference": lambda: baseline_query(year)}, runs=runs
    )
    return {
        "year": year,
        "year_visits": visits,
        "year_persons": persons,
        "postgresql": connection.pg_version // 10000,
        "runs": runs,
        "bilan_queries": len(queries),
        "bilan": timings["bilan"].figures(),
        "reference": timings["reference"].figures(),
        "ratio": timings["bilan"].median / timings["reference"].median,
        "target_ratio": TARGET_RATIO,
    }

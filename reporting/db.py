"""Database expressions and plain-SQL helpers the bilan's queries use.

The bilan's queries are ORM querysets; where one statement has to combine
several of them (a GROUP BY over a grouped query, a UNION ALL, counts side by
side), the compiled SQL of each is wrapped in plain, portable SQL here, so
that the whole bilan stays a constant number of statements.
"""

import datetime
from collections.abc import Iterator

from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual


class BitOr(models.Aggregate):
    """The bitwise OR of a group's values, 0 for an empty group.

    The bilan ORs one bit per venue a person was seen at: a set of venues in
    one integer. PostgreSQL has `bit_or`; for powers of two the sum of the
    distinct values is the same, which is what SQLite (the demo) runs.
    """

    function = "BIT_OR"
    name = "BitOr"
    output_field = models.BigIntegerField()
    empty_result_set_value = 0

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="SUM", template="%(function)s(DISTINCT %(expressions)s)"
        )


def ymd(expression):
    """A date as the integer yyyymmdd: differences of two compare like ages.

    (b - a) >= 260000 exactly when b is on or after a's 26th anniversary.
    """
    return ExtractYear(expression) * 10000 + ExtractMonth(expression) * 100 + ExtractDay(expression)


class AgeAtLeast(models.Expression):
    """Whether a person born on `birth_date` is `years` old or more on `day`.

    One is 26 on one's 26th birthday; someone born on 29 February is 26 on
    1 March of a common year — what comparing the dates as yyyymmdd integers
    says (portable, the SQLite demo). PostgreSQL says the same, about ten
    times faster, by going back `years` years from `day`: from 29 February it
    lands on 28 February of a common year, and no birth date lies between.
    """

    output_field = models.BooleanField()

    def __init__(self, day, birth_date, years: int):
        super().__init__()
        self.day, self.birth_date, self.years = day, birth_date, int(years)

    def get_source_expressions(self):
        return [self.day, self.birth_date]

    def set_source_expressions(self, expressions):
        self.day, self.birth_date = expressions

    def as_sql(self, compiler, connection):
        portable = GreaterThanOrEqual(
            models.ExpressionWrapper(ymd(self.day) - ymd(self.birth_date), models.IntegerField()),
            self.years * 10000,
        )
        return compiler.compile(portable.resolve_expression(compiler.query))

    def as_postgresql(self, compiler, connection):
        day, day_params = compiler.compile(self.day)
        birth_date, birth_params = compiler.compile(self.birth_date)
        return f"(({day}) - INTERVAL '{self.years} years') >= ({birth_date})", (*day_params, *birth_params)


def compiled(queryset) -> tuple[str, list]:
    """The SQL and parameters of a queryset, to be wrapped in a larger statement."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


def count_each(queryset, cells: list[dict]) -> tuple[str, list]:
    """A statement counting the rows of `queryset` that match each cell, one row per cell.

    A cell maps lookups to values, the same lookups for every cell, such as
    {"partner": …, "status": …} or {"date__gte": …, "date__lt": …}. The
    cells are a small table the query is correlated with: one ORM query
    compiled once, then one count per cell that PostgreSQL takes from an
    index alone (only the primary key is selected). Rows: the cell's index
    (from 0), then its count.
    """
    connection = connections[queryset.db]
    lookups = list(cells[0])

    def value(item):
        if isinstance(item, datetime.date):
            # Typed, so that the cells' column compares as a date (a string on SQLite).
            return connection.ops.adapt_datefield_value(item)
        return item

    table = " UNION ALL ".join(
        "SELECT %s AS cell, " + ", ".join(f"%s AS c{index}" for index in range(len(lookups))) for _ in cells
    )
    table_params = [
        param for number, cell in enumerate(cells) for param in (number, *map(value, cell.values()))
    ]
    correlated = queryset.filter(
        **{lookup: RawSQL(f"cells.c{index}", ()) for index, lookup in enumerate(lookups)}  # noqa: S611
    )
    inner, inner_params = compiled(correlated.order_by().values("pk"))
    return (
        f"SELECT cells.cell AS cell, (SELECT COUNT(*) FROM ({inner}) AS counted) AS counted "  # noqa: S608
        f"FROM ({table}) AS cells",
        [*inner_params, *table_params],
    )


def fetch_union(using: str, parts: list[tuple[str, list]]) -> list[tuple]:
    """The rows of the parts' UNION ALL, in one statement (parts with as many columns each)."""
    sql = " UNION ALL ".join(part for part, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# A set of venues is one integer, a bit per venue (the venue at index i of a
# chunk of venues is bit 1 << i). Thirty venues to an integer, so that every
# bit and the OR of all of them stay within a signed 32-bit integer on every
# database; a scope with more venues gets one integer per chunk of thirty.
VENUES_PER_MASK = 30


def venue_masks(venues: list, path: str) -> list[tuple[BitOr, dict[int, int]]]:
    """Aggregates that tell at which of `venues` a group's rows took place.

    One per chunk of VENUES_PER_MASK venues: the BitOr, over the group's
    rows, of `CASE WHEN <path> = <venue> THEN <its bit> … ELSE 0 END` — the
    OR of the bits of the venues the rows are at — with each venue's bit
    (pk -> bit), to read the result back (`venues_in`). Over a person's
    attendance rows in the scope (one per venue), it is the set of the
    scope's venues where they were seen in the year.
    """
    masks = []
    for start in range(0, len(venues), VENUES_PER_MASK):
        chunk = venues[start : start + VENUES_PER_MASK]
        bits = {venue.pk: 1 << index for index, venue in enumerate(chunk)}
        expression = models.Case(
            *(models.When(**{path: pk}, then=models.Value(bit)) for pk, bit in bits.items()),
            default=models.Value(0),
        )
        masks.append((BitOr(expression), bits))
    return masks


def venues_in(row_masks: list, masks: list[tuple[BitOr, dict[int, int]]]) -> Iterator[int]:
    """The venues whose bit is set in a row's values of `masks` (from
    `venue_masks`, in its order; NULL when the group had no row)."""
    for mask, (_, bits) in zip(row_masks, masks, strict=True):
        yield from (pk for pk, bit in bits.items() if int(mask or 0) & bit)

"""Below the ORM: database expressions the models' constraints use, and the bulk
inserts of the importer (COPY on PostgreSQL)."""

import enum
from collections.abc import Callable, Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

BATCH_SIZE = 2000


class DatabaseTomorrow(models.Func):
    """The database server's current date plus one day.

    Used as the bound of "not in the future" constraints: the database clock
    runs in UTC while visits are dated in Europe/Paris, so the exact bound
    (today in Paris) is enforced by forms and services, and the database only
    refuses what is certainly in the future.
    """

    template = "(CURRENT_DATE + 1)"
    output_field = models.DateField()

    def __init__(self):
        super().__init__()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "date(CURRENT_DATE, '+1 day')", []


def insert_rows(model, objs: list, *, on_progress: Callable[[int], None] | None = None) -> None:
    """Insert new rows and set their primary keys; `on_progress(n)` as rows go.

    On PostgreSQL through COPY, many times faster than bulk_create for 100,000
    visits: each row's derived fields are filled by the same
    `fill_derived_fields` as the QuerySets' bulk_create, and the database
    checks every constraint as for an INSERT. Elsewhere (the SQLite demo),
    bulk_create itself.
    """
    if not objs:
        return
    if not copy_available():
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        if on_progress:
            on_progress(len(objs))
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    now = timezone.now()
    for obj in objs:
        if hasattr(obj, "fill_derived_fields"):
            obj.fill_derived_fields()
        for name in stamped:
            setattr(obj, name, now)
    names = [f.attname for f in fields]
    rows = ([_plain(getattr(obj, name)) for name in names] for obj in objs)
    if on_progress:
        rows = _counted(rows, on_progress)
    pks = copy_rows(model, [f.column for f in fields], rows, count=len(objs))
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def insert_links(through, rows: list[tuple[int, int]]) -> None:
    """Rows of a many-to-many table (its two foreign keys, in field order)."""
    if not rows:
        return
    left, right = (f for f in through._meta.concrete_fields if not f.primary_key)
    if not copy_available():
        through.objects.bulk_create(
            [through(**{left.attname: a, right.attname: b}) for a, b in rows], batch_size=BATCH_SIZE
        )
        return
    copy_rows(through, [left.column, right.column], rows, count=len(rows))


def _counted(rows: Iterator, on_progress: Callable[[int], None], every: int = BATCH_SIZE) -> Iterator:
    """The rows, calling `on_progress(n)` each time `n` more have gone (the rest at the end)."""
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if done % every == 0:
            on_progress(every)
    if done % every:
        on_progress(done % every)


def copy_available() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def copy_rows(model, columns: list[str], rows: Iterable, *, count: int) -> list[int]:
    """COPY `count` rows into the model's table with new primary keys from its sequence."""
    connection = connections[DEFAULT_DB_ALIAS]
    table, pk = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
        )
        pks = [value for (value,) in cursor.fetchall()]
        names = ", ".join(quote(column) for column in [pk, *columns])
        with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for value, row in zip(pks, rows, strict=True):
                copy.write_row([value, *row])
    return pks

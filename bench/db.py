"""What the benchmarks ask of the database: PostgreSQL, empty, and plain SQL."""

from django.db import connection, models


class BenchmarkError(Exception):
    """A benchmark that may not run, or whose figures cannot be trusted; the
    message (French) is the command's error."""


def check_database(*, empty: tuple[type[models.Model], ...] = (), holding: str = "") -> None:
    """Run on PostgreSQL only, and only when no row of the `empty` models exists
    (`holding` names them in the message), before anything is written."""
    if connection.vendor != "postgresql":
        raise BenchmarkError(
            "Ce banc d'essai ne tourne que sur PostgreSQL : définissez DATABASE_URL "
            "(voir docs/BENCHMARKS.md)."
        )
    if any(model.objects.exists() for model in empty):
        raise BenchmarkError(
            f"La base contient déjà des {holding} : lancez le banc d'essai sur une base vide "
            "(voir docs/BENCHMARKS.md). Rien n'a été modifié."
        )


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def fetch_one(sql: str, params=()) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()

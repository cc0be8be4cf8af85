"""Database housekeeping shared by the apps."""

from django.db import connections


def analyze(*models, using: str = "default") -> None:
    """Refresh PostgreSQL's statistics of these models' tables after a bulk load.

    The planner chooses its joins from them: right after thousands of rows are
    written into tables it last saw empty (a new installation, an import, the
    demo), it would plan for a handful of rows until autovacuum comes by. ANALYZE
    reads a sample of each table, rows of the current transaction included.
    Nothing to do on SQLite.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

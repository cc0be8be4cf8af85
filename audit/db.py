"""How the audit triggers of the database (migration 0003) learn who is writing.

PostgreSQL: each statement is sent with the writer in front of it, in the same
SQL text: `SELECT set_config('audit.user_id', '12', true), set_config(
'audit.username', 'alice', true), set_config('audit.request_id', '9f…', true);
UPDATE …` (the request id fills the trail's `request_id` column through its
default, migration 0007). `true` makes the settings local
to the transaction, which the statement is part of (a multi-statement query
runs as one transaction in autocommit mode): nothing stays on the connection
for the next request, so a pooler in transaction mode (PgBouncer) cannot hand
one request's user to another. Statements that read are prefixed too inside a
transaction, so that a COPY (which psycopg sends without Django's wrappers)
later in it finds the writer set; and "nobody" is said as well, so that no
earlier statement's writer is left for a statement of no one's. It relies on
Django's client-side binding cursors (the default: no `server_side_binding`
option), which send several statements in one execute(). executemany() (one
statement per row) is preceded by the writer on its own inside a transaction;
outside one, its rows are recorded without a writer (Django's ORM never uses it).

SQLite (the demo): the triggers call functions registered on each connection,
which read `audit.context` directly.
"""

import contextlib
from contextvars import ContextVar

from django.db import connection as default_connection
from django.db import transaction

from .context import actor, request_id

# The statements the writer is put in front of (lower case); reads only inside
# a transaction, for a COPY that may follow. Not DDL, SAVEPOINT and the like.
WRITES = ("insert", "update", "delete", "with", "merge")
READS = ("select",)

purging: ContextVar[bool] = ContextVar("audit_purging", default=False)


def sql_literal(value: str, *, has_params: bool) -> str:
    """`value` as a PostgreSQL string literal inside a statement psycopg will
    format (`%` doubled) or send as it is (no parameters)."""
    quoted = "'" + value.replace("'", "''") + "'"
    return quoted.replace("%", "%%") if has_params else quoted


def writer_prefix(*, has_params: bool) -> str:
    """Set in front of a statement: who sends it, in which request. Nobody (and
    no request) is said too, so that no earlier statement's are left for this one."""
    user_id, username = actor()
    user_text = sql_literal("" if user_id is None else str(user_id), has_params=has_params)
    name_text = sql_literal(username, has_params=has_params)
    # 32 hex digits (core/logs.py makes sure of it), or nothing.
    request_text = sql_literal(request_id(), has_params=has_params)
    return (
        f"SELECT set_config('audit.user_id', {user_text}, true), "
        f"set_config('audit.username', {name_text}, true), "
        f"set_config('audit.request_id', {request_text}, true); "
    )


def with_writer(execute, sql, params, many, context):
    """A `connection.execute_wrapper` (PostgreSQL): the statement carries who sends it."""
    cursor = context["cursor"]
    if not isinstance(sql, str) or getattr(cursor, "name", None):
        return execute(sql, params, many, context)
    start = sql.lstrip()[:8].lower()
    in_transaction = not context["connection"].get_autocommit()
    if not (start.startswith(WRITES) or (in_transaction and start.startswith(READS))):
        return execute(sql, params, many, context)
    if many:
        if in_transaction:
            cursor.cursor.execute(writer_prefix(has_params=False))
        return execute(sql, params, many, context)
    result = execute(writer_prefix(has_params=params is not None) + sql, params, many, context)
    # The cursor shows the first statement's result: move to the caller's.
    while cursor.nextset():
        pass
    return result


def audit_user_id() -> int | None:
    return actor()[0]


def audit_username() -> str:
    return actor()[1]


def audit_purging() -> bool:
    return purging.get()


def audit_request_id() -> str | None:
    return request_id() or None


def prepare(connection) -> None:
    """Called for each new database connection (signal `connection_created`)."""
    if connection.vendor == "postgresql":
        if with_writer not in connection.execute_wrappers:
            connection.execute_wrappers.append(with_writer)
    elif connection.vendor == "sqlite":
        for function in (audit_user_id, audit_username, audit_purging, audit_request_id):
            connection.connection.create_function(function.__name__, 0, function)


@contextlib.contextmanager
def purge_allowed():
    """The retention purge: the only deletion the audit table's trigger lets through."""
    token = purging.set(True)
    try:
        with transaction.atomic():
            if default_connection.vendor == "postgresql":
                with default_connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('audit.purge', 'on', true)")
            yield
    finally:
        purging.reset(token)

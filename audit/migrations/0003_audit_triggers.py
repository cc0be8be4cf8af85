"""The database writes the audit trail of every row written in the audited tables.

Each row created, changed or deleted in one of the tables below leaves one
entry in `audit_auditentry`: when (UTC), who (`audit/db.py` gives the
database the user of the request, or the command), the action, the object
type and the row's id, the file reference for a row of a person's file, and
for a change the names of the columns whose value changed — never a value.
Triggers rather than Python signals, so that every way of writing — forms,
admin, QuerySet.update(), bulk_create, the importer's COPY, merge,
anonymisation, plain SQL — is recorded the same way.

A change of bookkeeping columns only (`IGNORED`: the time and author of the
last change, the optimistic-lock version, the search key derived from the
names, the time of the last login) leaves no entry, and those columns are
never listed.

PostgreSQL: statement-level triggers with transition tables (one INSERT …
SELECT into the trail per statement, however many rows: an import of 100,000
visits writes their 100,000 entries at once); the changed columns come from
comparing `to_jsonb` of the old and new row key by key, so a column added
later is compared without a new migration. SQLite (the demo): row-level
triggers, whose column comparisons are generated here from the tables as they
are at this migration: a later migration that adds a column to an audited
table, or that rebuilds one (SQLite rebuilds a table for most ALTERs, and
its triggers go with it), creates that table's SQLite triggers again
(`sqlite_create(schema_editor, only=…)`); tests/audit/test_sqlite.py fails
until it does.

The trail itself only grows: a trigger refuses to change or delete an entry,
except the retention purge (`audit.services.audit_purge`, which sets
`audit.purge`) and the user of a deleted account becoming empty (the entry
keeps the username). TRUNCATE is not refused (`manage.py flush`, the test
suite).

Frozen SQL: a later change gets its own migration.
"""

from django.db import migrations

ENTRY_COLUMNS = "at, user_id, username, action, object_type, object_id, file_ref, detail, columns"

# How a row names its person's file: not at all, by its own `ref`, through its
# `beneficiary_id`, or through its `visit_id`.
NO_FILE, OWN, PERSON, VISIT = "", "own", "person", "visit"

# (table, object type as the trail names it, how its rows name their file).
AUDITED = [
    ("auth_user", "auth.user", NO_FILE),
    ("auth_group", "auth.group", NO_FILE),
    ("auth_user_groups", "auth.user_groups", NO_FILE),  # a role given or taken away
    ("permanences_quarter", "permanences.quarter", NO_FILE),
    ("permanences_venue", "permanences.venue", NO_FILE),
    ("permanences_weeklyslot", "permanences.weeklyslot", NO_FILE),
    ("permanences_permanence", "permanences.permanence", NO_FILE),
    ("beneficiaries_beneficiary", "beneficiaries.beneficiary", OWN),
    ("beneficiaries_visit", "beneficiaries.visit", PERSON),
    ("beneficiaries_visit_topics", "beneficiaries.visit_topics", VISIT),
    ("beneficiaries_referral", "beneficiaries.referral", PERSON),
    ("beneficiaries_outcome", "beneficiaries.outcome", PERSON),
    ("beneficiaries_topic", "beneficiaries.topic", NO_FILE),
    ("reporting_publishedbilan", "reporting.publishedbilan", NO_FILE),
]

# Bookkeeping columns: never listed, and a change of these only is no change.
IGNORED = ("last_login", "search_key", "updated_at", "updated_by_id", "version")

REFUSED = "Le journal d''audit ne se modifie pas et ne se supprime pas (voir la commande purge_audit)."


# --- PostgreSQL -----------------------------------------------------------------


def pg_file_ref(kind: str) -> tuple[str, str]:
    """The file reference of row `r` (an SQL expression) and the joins it needs."""
    if kind == OWN:
        return "r.ref", ""
    if kind == PERSON:
        return "coalesce(f.ref, '')", "LEFT JOIN beneficiaries_beneficiary f ON f.id = r.beneficiary_id"
    if kind == VISIT:
        joins = (
            "LEFT JOIN beneficiaries_visit fv ON fv.id = r.visit_id "
            "LEFT JOIN beneficiaries_beneficiary f ON f.id = fv.beneficiary_id"
        )
        return "coalesce(f.ref, '')", joins
    return "''", ""


PG_ACTOR = """
CREATE FUNCTION audit_user_id() RETURNS integer LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('audit.user_id', true), '')::integer $$;
CREATE FUNCTION audit_username() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('audit.username', true), '') $$;
"""


def pg_body(label: str, kind: str, event: str) -> str:
    """One INSERT … SELECT into the trail for the rows of a statement."""
    ref, joins = pg_file_ref(kind)
    action = {"INSERT": "create", "UPDATE": "change", "DELETE": "delete"}[event]
    rows = "old_rows r" if event == "DELETE" else "new_rows r"
    columns, where = "''", ""
    if event == "UPDATE":
        ignored = ", ".join(f"'{name}'" for name in IGNORED)
        joins = f"""JOIN old_rows o ON o.id = r.id {joins}
        CROSS JOIN LATERAL (SELECT to_jsonb(o) AS old) AS p
        CROSS JOIN LATERAL (
            SELECT string_agg(n.key, ', ' ORDER BY n.key COLLATE "C") AS names
            FROM jsonb_each(to_jsonb(r)) AS n
            WHERE n.key NOT IN ({ignored}) AND n.value IS DISTINCT FROM p.old -> n.key
        ) AS changed"""  # noqa: S608 - column names only
        columns, where = "changed.names", "WHERE changed.names IS NOT NULL"
    return f"""
    INSERT INTO audit_auditentry ({ENTRY_COLUMNS})
    SELECT statement_timestamp(), writer_id, writer, '{action}', '{label}', r.id::text, {ref}, '', {columns}
    FROM {rows} {joins}
    {where};"""  # noqa: S608 - table and column names only, no input


PG_EVENTS = (
    ("insert", "INSERT", "NEW TABLE AS new_rows"),
    ("update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "DELETE", "OLD TABLE AS old_rows"),
)

PG_APPEND_ONLY = f"""
CREATE FUNCTION audit_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    -- A deleted account (on_delete=SET_NULL): the entry keeps its username.
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{REFUSED}';
END
$$;
CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
"""


def pg_create(schema_editor):
    schema_editor.execute(PG_ACTOR, params=None)
    for table, label, kind in AUDITED:
        pg_create_for(schema_editor, table, label, kind)
    schema_editor.execute(PG_APPEND_ONLY, params=None)


def pg_create_for(schema_editor, table: str, label: str, kind: str) -> None:
    """The three statement triggers of one table (a later migration adds a table with it)."""
    for suffix, event, referencing in PG_EVENTS:
        name = f"audit_{table}_{suffix}"
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "DECLARE\n    writer_id integer := audit_user_id();\n    writer text := audit_username();\n"
            f"BEGIN{pg_body(label, kind, event)}\n    RETURN NULL;\nEND\n$$;",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            params=None,
        )


def pg_drop_for(schema_editor, table: str) -> None:
    for suffix, _, _ in PG_EVENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_{table}_{suffix} ON {table}", params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS audit_{table}_{suffix}()", params=None)


def pg_drop(schema_editor):
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry", params=None
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_auditentry_append_only()", params=None)
    for table, _, _ in AUDITED:
        pg_drop_for(schema_editor, table)
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS audit_user_id(); DROP FUNCTION IF EXISTS audit_username()", params=None
    )


# --- SQLite -----------------------------------------------------------------------
# audit_user_id(), audit_username() and audit_purging() are functions that
# audit/db.py registers on each connection.


def sqlite_file_ref(kind: str, row: str) -> str:
    if kind == OWN:
        return f"{row}.ref"
    if kind == PERSON:
        return f"coalesce((SELECT ref FROM beneficiaries_beneficiary WHERE id = {row}.beneficiary_id), '')"  # noqa: S608
    if kind == VISIT:
        visit = f"(SELECT beneficiary_id FROM beneficiaries_visit WHERE id = {row}.visit_id)"  # noqa: S608
        return f"coalesce((SELECT ref FROM beneficiaries_beneficiary WHERE id = {visit}), '')"  # noqa: S608
    return "''"


def sqlite_insert(label: str, kind: str, action: str, row: str, columns: str) -> str:
    """A trigger's body: one entry for the row `row` (NEW or OLD)."""
    return f"""BEGIN
    INSERT INTO audit_auditentry ({ENTRY_COLUMNS}) VALUES (
        strftime('%Y-%m-%d %H:%M:%f', 'now'), audit_user_id(), audit_username(), '{action}', '{label}',
        CAST({row}.id AS TEXT), {sqlite_file_ref(kind, row)}, '', {columns});
END"""  # noqa: S608


def sqlite_columns(schema_editor, table: str) -> list[str]:
    """The columns of `table` now, bookkeeping ones left out."""
    with schema_editor.connection.cursor() as cursor:
        description = schema_editor.connection.introspection.get_table_description(cursor, table)
    return sorted(column.name for column in description if column.name not in IGNORED)


def sqlite_triggers(schema_editor, table: str, label: str, kind: str) -> list[tuple[str, str]]:
    """(name, definition) of the three triggers of `table`: a change compares
    each column and lists those that differ, in the order PostgreSQL lists them."""
    columns = sqlite_columns(schema_editor, table)
    changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
    names = " || ".join(f"""CASE WHEN OLD."{c}" IS NOT NEW."{c}" THEN '{c}, ' ELSE '' END""" for c in columns)
    create = sqlite_insert(label, kind, "create", "NEW", "''")
    change = sqlite_insert(label, kind, "change", "NEW", f"rtrim({names}, ', ')")
    delete = sqlite_insert(label, kind, "delete", "OLD", "''")
    return [
        (f"audit_{table}_insert", f"AFTER INSERT ON {table} FOR EACH ROW {create}"),
        (f"audit_{table}_update", f"AFTER UPDATE ON {table} FOR EACH ROW WHEN {changed} {change}"),
        (f"audit_{table}_delete", f"AFTER DELETE ON {table} FOR EACH ROW {delete}"),
    ]


def sqlite_append_only(schema_editor) -> list[tuple[str, str]]:
    others = [c for c in sqlite_columns(schema_editor, "audit_auditentry") if c != "user_id"]
    unchanged = " AND ".join(f'OLD."{c}" IS NEW."{c}"' for c in others)
    refuse = f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    return [
        (
            "audit_auditentry_no_update",
            f"BEFORE UPDATE ON audit_auditentry FOR EACH ROW WHEN NOT (NEW.user_id IS NULL AND {unchanged}) "
            + refuse,
        ),
        (
            "audit_auditentry_no_delete",
            f"BEFORE DELETE ON audit_auditentry FOR EACH ROW WHEN NOT audit_purging() {refuse}",
        ),
    ]


def sqlite_create(schema_editor, only=None):
    """Create (again) the SQLite triggers: all of them, or those of the tables `only`."""
    triggers = [] if only else sqlite_append_only(schema_editor)
    for table, label, kind in AUDITED:
        if only is None or table in only:
            triggers += sqlite_triggers(schema_editor, table, label, kind)
    for name, definition in triggers:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
        schema_editor.execute(f"CREATE TRIGGER {name} {definition}", params=None)


def sqlite_drop(schema_editor):
    names = ["audit_auditentry_no_update", "audit_auditentry_no_delete"]
    names += [f"audit_{table}_{event}" for table, _, _ in AUDITED for event in ("insert", "update", "delete")]
    for name in names:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        pg_create(schema_editor)
    elif vendor == "sqlite":
        sqlite_create(schema_editor)
    else:
        raise NotImplementedError(f"The audit triggers exist for PostgreSQL and SQLite, not {vendor}.")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_drop(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_drop(schema_editor)


def create_for(schema_editor, tables) -> None:
    """The triggers of tables added to the trail by a later migration: `tables` as `AUDITED`."""
    for table, label, kind in tables:
        if schema_editor.connection.vendor == "postgresql":
            pg_create_for(schema_editor, table, label, kind)
        elif schema_editor.connection.vendor == "sqlite":
            for name, definition in sqlite_triggers(schema_editor, table, label, kind):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
                schema_editor.execute(f"CREATE TRIGGER {name} {definition}", params=None)


def drop_for(schema_editor, tables) -> None:
    for table, _, _ in tables:
        if schema_editor.connection.vendor == "postgresql":
            pg_drop_for(schema_editor, table)
        elif schema_editor.connection.vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_{table}_{event}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditentry_columns_list_action"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("permanences", "0006_form_submission_to_core"),
        ("beneficiaries", "0011_distinct_pair"),
        ("reporting", "0005_published_bilan_first_year"),
    ]

    operations = [migrations.RunPython(create, drop)]

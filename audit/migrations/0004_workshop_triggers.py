"""The audit trail of the workshops' tables (beneficiaries/models/workshops.py):
the same triggers as migration 0003, written by its functions, for three more
tables. A registration names its person's file, as a visit does.

Frozen SQL: a later change gets its own migration.
"""

import importlib

from django.db import migrations

base = importlib.import_module("audit.migrations.0003_audit_triggers")

AUDITED = [
    ("beneficiaries_workshoptheme", "beneficiaries.workshoptheme", base.NO_FILE),
    ("beneficiaries_workshop", "beneficiaries.workshop", base.NO_FILE),
    ("beneficiaries_workshopregistration", "beneficiaries.workshopregistration", base.PERSON),
]


def pg_create(schema_editor):
    for table, label, kind in AUDITED:
        for suffix, event, referencing in base.PG_EVENTS:
            name = f"audit_{table}_{suffix}"
            schema_editor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "DECLARE\n    writer_id integer := audit_user_id();\n    writer text := audit_username();\n"
                f"BEGIN{base.pg_body(label, kind, event)}\n    RETURN NULL;\nEND\n$$;",
                params=None,
            )
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
                params=None,
            )


def sqlite_create(schema_editor):
    for table, label, kind in AUDITED:
        for name, definition in base.sqlite_triggers(schema_editor, table, label, kind):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
            schema_editor.execute(f"CREATE TRIGGER {name} {definition}", params=None)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        pg_create(schema_editor)
    elif vendor == "sqlite":
        sqlite_create(schema_editor)
    else:
        raise NotImplementedError(f"The audit triggers exist for PostgreSQL and SQLite, not {vendor}.")


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table, _, _ in AUDITED:
        for suffix, _, _ in base.PG_EVENTS:
            name = f"audit_{table}_{suffix}"
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""), params=None
            )
            if postgresql:
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audit_triggers"),
        ("beneficiaries", "0018_workshop_themes"),
    ]

    operations = [migrations.RunPython(create, drop)]

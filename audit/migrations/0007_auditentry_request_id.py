"""Each entry of the trail names the request it was written in: the request id
of the request's log line (core/logs.py), to go from a line of the logs to what
that request wrote, and back.

The column's default is the function `audit_request_id()`, so that every
insert into the trail fills it without naming it: the triggers of 0003, 0005,
0006 (and any later one) as they are, and `audit_record`.

PostgreSQL: the function reads `audit.request_id`, which audit/db.py sets with
the writer in front of every statement (local to the transaction, like the
writer: nothing stays on a pooled connection). STABLE, so that adding the
column does not rewrite the table (existing entries: no request).

SQLite (the demo): `audit_request_id()` is a function audit/db.py registers on
each connection. Adding a column with such a default rebuilds the table, so the
triggers that name it (the trail's own, and every audited table's, which insert
into it) are kept through the rebuild (`KeepingSqliteTriggers`); then the
trail's own triggers are created again, to compare the new column too.

Frozen SQL: a later change gets its own migration.
"""

import importlib

from django.db import migrations, models

from audit.operations import KeepingSqliteTriggers

base = importlib.import_module("audit.migrations.0003_audit_triggers")

PG_FUNCTION = """
CREATE FUNCTION audit_request_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('audit.request_id', true), '')::uuid $$;
"""


def pg_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)


def pg_drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_request_id()", params=None)


def sqlite_trail_triggers(apps, schema_editor):
    """The trail's own triggers (append only), over its columns as they are now."""
    if schema_editor.connection.vendor == "sqlite":
        for name, definition in base.sqlite_append_only(schema_editor):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
            schema_editor.execute(f"CREATE TRIGGER {name} {definition}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_workshop_triggers"),
    ]

    operations = [
        migrations.RunPython(pg_function, pg_drop_function),
        # Going back, the trail's triggers over the columns without this one (run after the removal).
        migrations.RunPython(migrations.RunPython.noop, sqlite_trail_triggers),
        KeepingSqliteTriggers(
            "audit_auditentry",
            [
                migrations.AddField(
                    model_name="auditentry",
                    name="request_id",
                    field=models.UUIDField(
                        blank=True,
                        db_default=models.Func(function="audit_request_id", output_field=models.UUIDField()),
                        editable=False,
                        null=True,
                        verbose_name="requête",
                    ),
                ),
            ],
        ),
        migrations.RunPython(sqlite_trail_triggers, migrations.RunPython.noop),
    ]

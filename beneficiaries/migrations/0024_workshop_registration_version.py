"""A registration has a version, as the other rows of a file (optimistic locking).
On SQLite the table may be rebuilt: its audit triggers are written again."""

import importlib

from django.db import migrations, models

workshops = importlib.import_module("audit.migrations.0006_workshop_triggers")
base = importlib.import_module("audit.migrations.0003_audit_triggers")
REGISTRATIONS = [row for row in workshops.AUDITED if row[0] == "beneficiaries_workshopregistration"]


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        base.create_for(schema_editor, REGISTRATIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0023_import_export_workshops"),
        ("audit", "0006_workshop_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="workshopregistration",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]

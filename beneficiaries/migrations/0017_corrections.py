# ruff: noqa: S608 (table names from the constant below, no input)
"""Corrections of a file's rows: a version on visits, referrals and outcomes
(optimistic locking, as on the file itself), the channel of a referral made
outside a visit (by phone, by e-mail…), and a visit's referrals deleted with it.

SQLite (the demo) rebuilds a table to add a NOT NULL column or a CHECK
constraint: its triggers (audit trail, attendance table, anonymised-file guard)
go with it, and renaming the rebuilt table fails while a trigger of another
table (the attendance triggers of persons and sessions) names the dropped one.
So every trigger that names one of these tables is put aside first and created
again afterwards, as it was; the audit triggers of the three tables are then
generated again, so that they compare the new columns
(tests/audit/test_sqlite.py, tests/beneficiaries/test_corrections_sqlite.py).
PostgreSQL adds columns and constraints in place: nothing to do there.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("beneficiaries_visit", "beneficiaries_referral", "beneficiaries_outcome")

# The triggers put aside by `put_triggers_aside`, by database alias, until `restore_triggers`.
_aside: dict[str, list[tuple[str, str]]] = {}


def put_triggers_aside(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    names = " OR ".join("tbl_name = %s OR sql LIKE %s" for _ in TABLES)
    params = [value for table in TABLES for value in (table, f"%{table}%")]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND ({names})", params)
        triggers = cursor.fetchall()
    _aside[connection.alias] = triggers
    for name, _ in triggers:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"', params=None)


def restore_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    for name, sql in _aside.pop(connection.alias, []):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"', params=None)
        schema_editor.execute(sql, params=None)
    audit = importlib.import_module("audit.migrations.0003_audit_triggers")
    audit.sqlite_create(schema_editor, only=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0016_import_job"),
        ("audit", "0003_audit_triggers"),
    ]

    operations = [
        migrations.RunPython(put_triggers_aside, restore_triggers),
        migrations.AddField(
            model_name="visit",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="referral",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="outcome",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="referral",
            name="channel",
            field=models.CharField(
                blank=True,
                choices=[
                    ("telephone", "Par téléphone"),
                    ("courriel", "Par courriel"),
                    ("autre", "Autrement (courrier, rencontre hors permanence…)"),
                ],
                help_text="Pour une orientation proposée hors rendez-vous : par téléphone, par courriel…",
                max_length=15,
                verbose_name="canal",
            ),
        ),
        migrations.AlterField(
            model_name="referral",
            name="visit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="referrals",
                to="beneficiaries.visit",
                verbose_name="rendez-vous",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("channel", ""), ("channel__in", ["telephone", "courriel", "autre"]), _connector="OR"
                ),
                name="referral_channel_valid",
                violation_error_message="Canal d'orientation inconnu.",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.CheckConstraint(
                condition=models.Q(("channel", ""), ("visit__isnull", True), _connector="OR"),
                name="referral_channel_outside_visit",
                violation_error_message="Une orientation d'un rendez-vous n'a pas d'autre canal que lui.",
            ),
        ),
        migrations.RunPython(restore_triggers, put_triggers_aside),
    ]

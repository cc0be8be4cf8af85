"""Attendance rows for the visits recorded before the triggers of migration 0003."""

import importlib

from django.db import migrations

triggers = importlib.import_module("reporting.migrations.0003_attendance_triggers")


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "SELECT reporting_attendance_refresh(ARRAY(SELECT DISTINCT beneficiary_id FROM beneficiaries_visit))",
            params=None,
        )
    elif vendor == "sqlite":
        everyone = "IN (SELECT beneficiary_id FROM beneficiaries_visit)"
        for statement in triggers.sqlite_refresh(everyone).split(";"):
            if statement.strip():
                schema_editor.execute(statement, params=None)


def empty(apps, schema_editor):
    apps.get_model("reporting", "Attendance").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_attendance_triggers")]

    operations = [migrations.RunPython(fill, empty)]

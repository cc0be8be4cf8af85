"""An anonymised file's follow-up appointments hold no purpose again (as its
visits hold no notes: 0014_anonymised_files_read_only, whose guard this reuses)."""

import importlib

from django.db import migrations

guard = importlib.import_module("beneficiaries.migrations.0014_anonymised_files_read_only")

TABLE, COLUMNS = "beneficiaries_appointment", ("purpose",)


def create(apps, schema_editor):
    guard.create_free_text_guard(schema_editor, TABLE, COLUMNS)


def drop(apps, schema_editor):
    guard.drop_free_text_guard(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0018_appointments")]

    operations = [migrations.RunPython(create, drop)]

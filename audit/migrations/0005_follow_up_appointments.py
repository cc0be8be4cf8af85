"""The follow-up appointments join the audit trail (triggers of 0003_audit_triggers)."""

import importlib

from django.db import migrations

triggers = importlib.import_module("audit.migrations.0003_audit_triggers")

TABLES = [("beneficiaries_appointment", "beneficiaries.appointment", triggers.PERSON)]


def create(apps, schema_editor):
    triggers.create_for(schema_editor, TABLES)


def drop(apps, schema_editor):
    triggers.drop_for(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_correction_action"),
        ("beneficiaries", "0018_appointments"),
    ]

    operations = [migrations.RunPython(create, drop)]

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


def create(apps, schema_editor):
    base.create_for(schema_editor, AUDITED)


def drop(apps, schema_editor):
    base.drop_for(schema_editor, AUDITED)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_follow_up_appointments"),
        ("beneficiaries", "0022_workshop_themes"),
    ]

    operations = [migrations.RunPython(create, drop)]

"""The audit trail of the messages and their texts (the triggers of
audit/migrations/0003, written by its functions), and the anonymised files' guard:
a message of an anonymised file never holds a text again (as its visits hold no
notes: beneficiaries/migrations/0014_anonymised_files_read_only).

Frozen SQL: a later change gets its own migration.
"""

import importlib

from django.db import migrations

audit = importlib.import_module("audit.migrations.0003_audit_triggers")
guard = importlib.import_module("beneficiaries.migrations.0014_anonymised_files_read_only")

AUDITED = [
    ("messaging_message", "messaging.message", audit.PERSON),
    ("messaging_messagetemplate", "messaging.messagetemplate", audit.NO_FILE),
]
TABLE, FREE_TEXT = "messaging_message", ("subject", "body")


def create(apps, schema_editor):
    audit.create_for(schema_editor, AUDITED)
    guard.create_free_text_guard(schema_editor, TABLE, FREE_TEXT)


def drop(apps, schema_editor):
    guard.drop_free_text_guard(schema_editor, TABLE)
    audit.drop_for(schema_editor, AUDITED)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("audit", "0006_workshop_triggers"),
        ("beneficiaries", "0025_messaging_consent"),
    ]

    operations = [migrations.RunPython(create, drop)]

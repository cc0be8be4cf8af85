"""Trigram indexes for the person search on PostgreSQL: the search key (names,
typo-tolerant) and the phone number's digits.

`fastupdate = off`: new rows go straight into the index instead of a pending
list that each search would have to scan until the next VACUUM (seen to make
searches ten times slower after a bulk import).

The pg_trgm extension and these indexes exist only on PostgreSQL; on SQLite
(the demo) the search is accent-insensitive through the key itself.
"""

from django.db import migrations

INDEXES = {
    "beneficiary_search_key_trgm": "search_key gin_trgm_ops",
    "beneficiary_phone_digits_trgm": "(replace(phone, ' ', '')) gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON beneficiaries_beneficiary "
            f"USING gin ({expression}) WITH (fastupdate = off)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_topics")]

    operations = [migrations.RunPython(create, drop)]

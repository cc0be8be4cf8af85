"""A trigram index on the search key, for typo-tolerant search on PostgreSQL.

The pg_trgm extension and the GIN index exist only on PostgreSQL; on SQLite
(the demo) the search is accent-insensitive through the key itself.
"""

from django.db import migrations

INDEX = "beneficiary_search_key_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON beneficiaries_beneficiary USING gin (search_key gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_topics")]

    operations = [migrations.RunPython(create, drop)]

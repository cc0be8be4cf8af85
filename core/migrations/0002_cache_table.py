"""The table of the shared cache (settings.CACHES): created here, so that
`migrate` is enough on a new database."""

from django.core.management import call_command
from django.db import migrations

TABLE = "core_cache"


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]

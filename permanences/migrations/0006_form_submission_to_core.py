"""The one-time tokens of create forms belong to `core` (every app's forms use
them): their rows are copied into core's table, then this app's is dropped."""

from django.db import migrations

COLUMNS = ("key", "user_id", "created_at", "result_url")


def _copy(schema_editor, source: str, target: str) -> None:
    # In SQL: the models' auto_now_add would replace every created_at.
    quote = schema_editor.quote_name
    columns = ", ".join(quote(name) for name in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {quote(target)} ({columns}) SELECT {columns} FROM {quote(source)}"  # noqa: S608
    )


def copy_to_core(apps, schema_editor):
    _copy(schema_editor, "permanences_formsubmission", "core_formsubmission")


def copy_back(apps, schema_editor):
    _copy(schema_editor, "core_formsubmission", "permanences_formsubmission")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("permanences", "0005_public_info"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, copy_back),
        migrations.DeleteModel(name="FormSubmission"),
    ]

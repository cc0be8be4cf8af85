# ruff: noqa: S608 (fixed SQL built from the constants below, no input)
"""The database refuses to write an identity back into an anonymised file.

Whatever the path — a form, the admin, an import, a command, plain SQL — once
`anonymised_at` is set, the file's identifying columns keep their anonymised
values and `anonymised_at` stays set; its visits, referrals and outcomes may
hold no free text again (notes, next step, detail, employer). The forms and
services refuse first, with their own French message; this is the last line.

Frozen SQL: a later change to these columns gets its own migration.
"""

from django.db import migrations

MESSAGE = "Ce dossier est anonymisé : il ne peut plus recevoir de données identifiantes."
IDENTITY = (
    "last_name",
    "first_name",
    "sex",
    "birth_date",
    "phone",
    "email",
    "quarter_id",
    "france_travail",
    "rsa",
    "rqth",
    "qualification_level",
    "notice_given_on",
)
# Free text of each table of a file that anonymisation empties.
FREE_TEXT = {
    "beneficiaries_visit": ("notes", "next_step"),
    "beneficiaries_referral": ("detail",),
    "beneficiaries_outcome": ("employer",),
}


def pg_identity_changed() -> str:
    return " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in IDENTITY)


def free_text_filled(columns, row: str = "NEW") -> str:
    return " OR ".join(f"{row}.{column} <> ''" for column in columns)


def pg_create(schema_editor):
    schema_editor.execute(f"""
        CREATE FUNCTION beneficiaries_anonymised_file_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.anonymised_at IS NOT NULL AND (NEW.anonymised_at IS NULL OR {pg_identity_changed()}) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER beneficiaries_anonymised_file_guard BEFORE UPDATE ON beneficiaries_beneficiary
            FOR EACH ROW EXECUTE FUNCTION beneficiaries_anonymised_file_guard();
    """)
    for table, columns in FREE_TEXT.items():
        pg_free_text_guard(schema_editor, table, columns)


def pg_free_text_guard(schema_editor, table: str, columns) -> None:
    schema_editor.execute(f"""
        CREATE FUNCTION {table}_anonymised_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF ({free_text_filled(columns)}) AND EXISTS (
                SELECT 1 FROM beneficiaries_beneficiary
                WHERE id = NEW.beneficiary_id AND anonymised_at IS NOT NULL
            ) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER {table}_anonymised_guard BEFORE INSERT OR UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_anonymised_guard();
    """)


def pg_drop(schema_editor):
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS beneficiaries_anonymised_file_guard ON beneficiaries_beneficiary; "
        "DROP FUNCTION IF EXISTS beneficiaries_anonymised_file_guard();"
    )
    for table in FREE_TEXT:
        pg_drop_free_text_guard(schema_editor, table)


def pg_drop_free_text_guard(schema_editor, table: str) -> None:
    schema_editor.execute(
        f"DROP TRIGGER IF EXISTS {table}_anonymised_guard ON {table}; "
        f"DROP FUNCTION IF EXISTS {table}_anonymised_guard();"
    )


def sqlite_create(schema_editor):
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in IDENTITY)
    schema_editor.execute(f"""
        CREATE TRIGGER beneficiaries_anonymised_file_guard BEFORE UPDATE ON beneficiaries_beneficiary
        WHEN OLD.anonymised_at IS NOT NULL AND (NEW.anonymised_at IS NULL OR {changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """)
    for table, columns in FREE_TEXT.items():
        sqlite_free_text_guard(schema_editor, table, columns)


def sqlite_free_text_guard(schema_editor, table: str, columns) -> None:
    for event in ("INSERT", "UPDATE"):
        schema_editor.execute(f"""
            CREATE TRIGGER {table}_anonymised_guard_{event.lower()} BEFORE {event} ON {table}
            WHEN ({free_text_filled(columns)}) AND EXISTS (
                SELECT 1 FROM beneficiaries_beneficiary
                WHERE id = NEW.beneficiary_id AND anonymised_at IS NOT NULL
            )
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """)


def sqlite_drop(schema_editor):
    schema_editor.execute("DROP TRIGGER IF EXISTS beneficiaries_anonymised_file_guard")
    for table in FREE_TEXT:
        sqlite_drop_free_text_guard(schema_editor, table)


def sqlite_drop_free_text_guard(schema_editor, table: str) -> None:
    for event in ("insert", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_anonymised_guard_{event}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_create(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_create(schema_editor)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_drop(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_drop(schema_editor)


def create_free_text_guard(schema_editor, table: str, columns) -> None:
    """The guard of a table of a file added by a later migration."""
    if schema_editor.connection.vendor == "postgresql":
        pg_free_text_guard(schema_editor, table, columns)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_free_text_guard(schema_editor, table, columns)


def drop_free_text_guard(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        pg_drop_free_text_guard(schema_editor, table)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_drop_free_text_guard(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0013_nominative_export_contents")]

    operations = [migrations.RunPython(create, drop)]

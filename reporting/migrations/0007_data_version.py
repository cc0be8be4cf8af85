"""The database keeps a version of the data the bilan and the quality panel read.

Every committed write to one of the tables below — forms, admin,
QuerySet.update(), bulk_create, the importer's COPY, merge, anonymisation,
plain SQL, TRUNCATE — advances the version, in the same commit as the data.
The app servers keep computed figures in their shared cache under the version
read before computing (reporting/cached.py), so that figures cached under a
version never lack a write that version counts: never stale, whichever server
wrote or reads. Why this design: docs/BILAN.md, « Comment le bilan est
calculé ».

PostgreSQL only (the demo on SQLite caches nothing):

- The version is the sequence `reporting_data_version`: non-transactional,
  so that writers never wait for each other (no hot row locked until commit).
- A statement-level trigger on each table, when the statement wrote rows,
  marks the transaction (one row of `reporting_data_change`, its id: a
  transaction marked twice keeps one row). A deferred constraint trigger on
  that row runs at commit, once per transaction: it takes a shared advisory
  lock, held until the commit is visible, then advances the sequence.
- `reporting_data_version()` returns the version, then whether a commit is in
  flight (another session holding the advisory lock: figures computed now
  must not be stored under this version, since that commit may hold a
  smaller number), and NULL as the version when the calling transaction has
  marked writes of its own (uncommitted: figures computed inside it are its
  own). The shared cache of the figures gets its own table, `reporting_cache`.

Frozen SQL: a later change gets its own migration.
"""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "reporting_cache"

# The tables whose rows the bilan (reporting/bilan.py and the queries it calls)
# or the quality panel (reporting/quality.py) read, and the first year whose
# figures a changed row can move (an SQL expression on row `r`, NULL read as
# ALL): a visit of 2024 changes the bilans of 2024 and after (the persons new
# in a year are those whose first visit is in it), never those of 2023; a
# person, a venue or a topic, every year's.
ALL = 0
TABLES = (
    ("beneficiaries_beneficiary", "", "NULL"),
    ("beneficiaries_visit", "", "EXTRACT(YEAR FROM r.date)"),
    (
        "beneficiaries_visit_topics",
        "LEFT JOIN beneficiaries_visit v ON v.id = r.visit_id",
        "EXTRACT(YEAR FROM v.date)",
    ),
    ("beneficiaries_topic", "", "NULL"),
    ("beneficiaries_referral", "", "EXTRACT(YEAR FROM r.proposed_on)"),
    ("beneficiaries_outcome", "", "EXTRACT(YEAR FROM r.start_date)"),
    (
        "beneficiaries_appointment",
        "LEFT JOIN permanences_permanence s ON s.id = r.permanence_id",
        "EXTRACT(YEAR FROM s.date)",
    ),
    ("beneficiaries_workshop", "", "EXTRACT(YEAR FROM r.date)"),
    ("beneficiaries_workshoptheme", "", "NULL"),
    (
        "beneficiaries_workshopregistration",
        "LEFT JOIN beneficiaries_workshop w ON w.id = r.workshop_id",
        "EXTRACT(YEAR FROM w.date)",
    ),
    ("permanences_quarter", "", "NULL"),
    ("permanences_venue", "", "NULL"),
    ("permanences_permanence", "", "EXTRACT(YEAR FROM r.date)"),
    # Derived from the tables above by the triggers of migration 0003, whose
    # writes are counted on those tables: only a write of its own counts here.
    ("reporting_attendance", "", "NULL"),
)
DIRECT_ONLY = {"reporting_attendance"}

# The advisory lock of a commit in flight: (class, object) of the two-key form.
LOCK = (16, 7)

PG_SETUP = f"""
CREATE SEQUENCE reporting_data_version;
-- The transactions that wrote, until their commit: the first year they change.
CREATE TABLE reporting_data_change (xact bigint PRIMARY KEY, from_year integer NOT NULL);
-- The commits: their number and the first year they changed. A commit deletes
-- the older ones of the same year it can lock at once: a few rows per year.
CREATE TABLE reporting_data_commit (number bigint PRIMARY KEY, from_year integer NOT NULL);
CREATE INDEX reporting_data_commit_year ON reporting_data_commit (from_year, number);

CREATE FUNCTION reporting_data_mark(first_year integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO reporting_data_change AS c (xact, from_year) VALUES (txid_current(), first_year)
    ON CONFLICT (xact) DO UPDATE SET from_year = least(c.from_year, excluded.from_year)
$$;

CREATE FUNCTION reporting_data_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reporting_data_mark({ALL});
    RETURN NULL;
END
$$;

CREATE FUNCTION reporting_data_version_advance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_year integer;
    this_commit bigint;
BEGIN
    SELECT from_year INTO first_year FROM reporting_data_change WHERE xact = NEW.xact;
    IF NOT FOUND THEN
        RETURN NULL;  -- already counted (constraints checked early, then no write since)
    END IF;
    DELETE FROM reporting_data_change WHERE xact = NEW.xact;
    -- The lock first: a reader that finds no lock after reading the version
    -- knows every number up to it belongs to a finished transaction.
    PERFORM pg_advisory_xact_lock_shared({LOCK[0]}, {LOCK[1]});
    this_commit := nextval('reporting_data_version');
    INSERT INTO reporting_data_commit (number, from_year) VALUES (this_commit, first_year);
    DELETE FROM reporting_data_commit d WHERE d.number IN (
        SELECT c.number FROM reporting_data_commit c
        WHERE c.from_year = first_year AND c.number < this_commit
        FOR UPDATE SKIP LOCKED
    );
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER reporting_data_version_advance AFTER INSERT ON reporting_data_change
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reporting_data_version_advance();

-- The version of the figures of `up_to_year` and the years before.
CREATE FUNCTION reporting_data_version(up_to_year integer, OUT version bigint, OUT settled boolean)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- In this order: the version, then the commits in flight.
    version := coalesce((SELECT max(c.number) FROM reporting_data_commit c WHERE c.from_year <= up_to_year), 0);
    settled := NOT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND classid = {LOCK[0]} AND objid = {LOCK[1]} AND objsubid = 2
          AND pid <> pg_backend_pid()
    );
    IF EXISTS (SELECT 1 FROM reporting_data_change WHERE xact = txid_current_if_assigned()) THEN
        version := NULL;
    END IF;
END
$$;
"""  # noqa: S608 - table and column names only, no input

PG_TEARDOWN = """
DROP FUNCTION IF EXISTS reporting_data_version(integer);
DROP TABLE IF EXISTS reporting_data_change;
DROP TABLE IF EXISTS reporting_data_commit;
DROP FUNCTION IF EXISTS reporting_data_version_advance();
DROP FUNCTION IF EXISTS reporting_data_truncated();
DROP FUNCTION IF EXISTS reporting_data_mark(integer);
DROP SEQUENCE IF EXISTS reporting_data_version;
"""

# (suffix, event, REFERENCING clause, the rows read)
PG_EVENTS = (
    ("inserted", "INSERT", "NEW TABLE AS new_rows", "new_rows"),
    (
        "updated",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "old_rows UNION ALL SELECT * FROM new_rows",
    ),
    ("deleted", "DELETE", "OLD TABLE AS old_rows", "old_rows"),
)


def pg_create_for(schema_editor, table: str, joins: str, year: str) -> None:
    guard = "IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;" if table in DIRECT_ONLY else ""
    for suffix, event, referencing, rows in PG_EVENTS:
        name = f"reporting_data_{table}_{suffix}"
        schema_editor.execute(
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    first_year integer;
BEGIN
    {guard}
    SELECT min(coalesce(({year})::integer, {ALL})) INTO first_year FROM (SELECT * FROM {rows}) AS r {joins};
    IF first_year IS NOT NULL THEN
        PERFORM reporting_data_mark(first_year);
    END IF;
    RETURN NULL;
END
$$;""",  # noqa: S608 - table and column names only, no input
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER reporting_data_{suffix} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            params=None,
        )
    schema_editor.execute(
        f"CREATE TRIGGER reporting_data_truncated AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION reporting_data_truncated()",
        params=None,
    )


def create_cache_table(schema_editor):
    call_command("createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0)


def create(apps, schema_editor):
    create_cache_table(schema_editor)
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_SETUP, params=None)
    for table, joins, year in TABLES:
        pg_create_for(schema_editor, table, joins, year)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}", params=None)
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _, _ in TABLES:
        for suffix in ("inserted", "updated", "deleted", "truncated"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_data_{suffix} ON {table}", params=None)
        for suffix, *_ in PG_EVENTS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS reporting_data_{table}_{suffix}()", params=None)
    schema_editor.execute(PG_TEARDOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0025_messaging_consent"),
        ("permanences", "0008_permanence_slot_date_hand_changes"),
        ("reporting", "0006_attendance_person_index"),
    ]

    operations = [migrations.RunPython(create, drop)]

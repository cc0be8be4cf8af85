"""The database keeps `reporting_attendance` equal to what the visits say.

A person's attendance rows (one per year and venue, and one per year for all
venues together) are rewritten from their visits whenever one of their visits
is created, moved to another person, session or date, or deleted; their sex,
quarter and birth date are copied (and their age band computed) when those change; a session moved to
another date or venue takes its visits with it (their copy of its date, and
their persons' rows). Triggers rather than Python, so that every way of
writing — forms, admin, QuerySet.update(), bulk_create, the importer's COPY,
plain SQL — keeps the bilan exact.

PostgreSQL: statement-level triggers with transition tables (one rewrite per
statement, however many rows: an import of 100,000 visits rewrites its persons
once), and a row lock on each person rewritten, so that two transactions
writing visits of the same person take turns. SQLite (the demo): row-level
triggers doing the same for one person at a time.

A row's `months` is a set of months in one integer: the OR of `1 << month`
over its visits, so that bit m (1 to 12) is set when one of them is in month
m (`bit_or` on PostgreSQL; on SQLite, which has none, the sum of the distinct
powers of two, the same number).

Frozen SQL: a later change to the model gets its own migration.
"""

from django.db import migrations

COLUMNS = (
    "beneficiary_id, year, venue_id, visits, first_visit, months, first_year, sex, quarter_id, birth_date, "
    "age_band"
)

# The age bands of beneficiaries/ages.py (under 26, 26 to 49, 50 and over, on
# the row's first visit), frozen here: new bounds get a migration of their own.
BANDS = (("50_et_plus", 50), ("26_49", 26))
UNDER_26, UNKNOWN = "moins_de_26", "inconnu"


def age_band_sql(day: str, birth_date: str, at_least) -> str:
    """The band code of a person born on `birth_date` on `day` (SQL expressions);
    `at_least(day, birth_date, years)` says in SQL whether they are `years` old."""
    cases = " ".join(f"WHEN {at_least(day, birth_date, years)} THEN '{band}'" for band, years in BANDS)
    return f"CASE WHEN {birth_date} IS NULL THEN '{UNKNOWN}' {cases} ELSE '{UNDER_26}' END"


def pg_at_least(day: str, birth_date: str, years: int) -> str:
    # Back `years` years from `day`: from 29 February, 28 February of a common year.
    return f"({day} - INTERVAL '{years} years') >= {birth_date}"


def sqlite_at_least(day: str, birth_date: str, years: int) -> str:
    # Dates as yyyymmdd integers: the difference is at least years * 10000
    # exactly on and after the anniversary (29 February: 1 March).
    return (
        f"(CAST(strftime('%Y%m%d', {day}) AS INTEGER) - CAST(strftime('%Y%m%d', {birth_date}) AS INTEGER)"
        f" >= {years * 10000})"
    )


# --- PostgreSQL -----------------------------------------------------------------

PG_REFRESH = f"""
CREATE FUNCTION reporting_attendance_refresh(persons bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(persons) = 0 THEN
        RETURN;
    END IF;
    -- Writers of the same person's visits take turns: the rows below are
    -- computed from committed visits only once the other one is done.
    PERFORM 1 FROM beneficiaries_beneficiary b JOIN unnest(persons) AS p(id) ON p.id = b.id
    ORDER BY b.id FOR NO KEY UPDATE OF b;
    DELETE FROM reporting_attendance a USING unnest(persons) AS p(id) WHERE a.beneficiary_id = p.id;
    INSERT INTO reporting_attendance ({COLUMNS})
    SELECT g.beneficiary_id, g.year, g.venue_id, g.visits, g.first_visit, g.months,
           g.year = min(g.year) OVER (PARTITION BY g.beneficiary_id),
           b.sex, b.quarter_id, b.birth_date, {age_band_sql("g.first_visit", "b.birth_date", pg_at_least)}
    FROM (
        SELECT v.beneficiary_id, EXTRACT(YEAR FROM v.date)::integer AS year, s.venue_id,
               count(*) AS visits, min(v.date) AS first_visit,
               bit_or(1 << EXTRACT(MONTH FROM v.date)::integer) AS months
        FROM beneficiaries_visit v
        JOIN unnest(persons) AS p(id) ON p.id = v.beneficiary_id
        JOIN permanences_permanence s ON s.id = v.permanence_id
        GROUP BY GROUPING SETS (
            (v.beneficiary_id, EXTRACT(YEAR FROM v.date)::integer, s.venue_id),
            (v.beneficiary_id, EXTRACT(YEAR FROM v.date)::integer)
        )
    ) AS g
    JOIN beneficiaries_beneficiary b ON b.id = g.beneficiary_id;
END
$$;
"""  # noqa: S608 - table and column names only, no input

# (name, table, event, REFERENCING clause, body): one statement-level trigger each.
PG_TRIGGERS = [
    (
        "reporting_attendance_visits_inserted",
        "beneficiaries_visit",
        "INSERT",
        "NEW TABLE AS new_rows",
        "PERFORM reporting_attendance_refresh(ARRAY(SELECT DISTINCT beneficiary_id FROM new_rows));",
    ),
    (
        "reporting_attendance_visits_deleted",
        "beneficiaries_visit",
        "DELETE",
        "OLD TABLE AS old_rows",
        "PERFORM reporting_attendance_refresh(ARRAY(SELECT DISTINCT beneficiary_id FROM old_rows));",
    ),
    (
        "reporting_attendance_visits_updated",
        "beneficiaries_visit",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """
        PERFORM reporting_attendance_refresh(ARRAY(
            SELECT person FROM old_rows o JOIN new_rows n ON n.id = o.id,
                LATERAL (VALUES (o.beneficiary_id), (n.beneficiary_id)) AS moved(person)
            WHERE (o.beneficiary_id, o.permanence_id, o.date)
                IS DISTINCT FROM (n.beneficiary_id, n.permanence_id, n.date)
            GROUP BY person
        ));""",
    ),
    (
        # Visits written before their person (foreign keys are checked at commit).
        "reporting_attendance_persons_inserted",
        "beneficiaries_beneficiary",
        "INSERT",
        "NEW TABLE AS new_rows",
        """
        PERFORM reporting_attendance_refresh(ARRAY(
            SELECT n.id FROM new_rows n
            WHERE EXISTS (SELECT 1 FROM beneficiaries_visit v WHERE v.beneficiary_id = n.id)
        ));""",
    ),
    (
        "reporting_attendance_persons_updated",
        "beneficiaries_beneficiary",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"""
        UPDATE reporting_attendance a
        SET sex = n.sex, quarter_id = n.quarter_id, birth_date = n.birth_date,
            age_band = {age_band_sql("a.first_visit", "n.birth_date", pg_at_least)}
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE a.beneficiary_id = n.id
          AND (o.sex, o.quarter_id, o.birth_date) IS DISTINCT FROM (n.sex, n.quarter_id, n.birth_date);""",  # noqa: S608
    ),
    (
        # Visits written before their session.
        "reporting_attendance_sessions_inserted",
        "permanences_permanence",
        "INSERT",
        "NEW TABLE AS new_rows",
        """
        PERFORM reporting_attendance_refresh(ARRAY(
            SELECT DISTINCT v.beneficiary_id FROM beneficiaries_visit v JOIN new_rows n ON n.id = v.permanence_id
        ));""",
    ),
    (
        "reporting_attendance_sessions_updated",
        "permanences_permanence",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        """
        -- A visit's date is its session's (the visits' trigger then rewrites their persons).
        UPDATE beneficiaries_visit v SET date = n.date
        FROM new_rows n
        WHERE v.permanence_id = n.id AND v.date <> n.date;
        PERFORM reporting_attendance_refresh(ARRAY(
            SELECT DISTINCT v.beneficiary_id
            FROM beneficiaries_visit v JOIN new_rows n ON n.id = v.permanence_id JOIN old_rows o ON o.id = n.id
            WHERE o.venue_id <> n.venue_id
        ));""",
    ),
]


def pg_create(schema_editor):
    schema_editor.execute(PG_REFRESH, params=None)
    for name, table, event, referencing, body in PG_TRIGGERS:
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n    RETURN NULL;\nEND\n$$;",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            params=None,
        )
    # TRUNCATE fires no row or statement trigger of the kinds above. DELETE,
    # not TRUNCATE: a TRUNCATE naming both tables (Django's flush) holds the
    # attendance table, which a nested TRUNCATE may not take.
    schema_editor.execute(
        "CREATE FUNCTION reporting_attendance_visits_truncated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n    DELETE FROM reporting_attendance;\n    RETURN NULL;\nEND\n$$;",
        params=None,
    )
    schema_editor.execute(
        "CREATE TRIGGER reporting_attendance_visits_truncated AFTER TRUNCATE ON beneficiaries_visit "
        "FOR EACH STATEMENT EXECUTE FUNCTION reporting_attendance_visits_truncated()",
        params=None,
    )


def pg_drop(schema_editor):
    for name, table, *_ in [*PG_TRIGGERS, ("reporting_attendance_visits_truncated", "beneficiaries_visit")]:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}", params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS reporting_attendance_refresh(bigint[])", params=None)


# --- SQLite -----------------------------------------------------------------------


def sqlite_refresh(persons: str) -> str:
    """Rewrite the rows of the persons `persons` selects (an SQL expression: `= NEW.x`, `IN (…)`)."""
    year = "CAST(strftime('%Y', v.date) AS INTEGER)"
    # SQLite has no BIT_OR: months are powers of two, their distinct sum is the same.
    months = "SUM(DISTINCT 1 << CAST(strftime('%m', v.date) AS INTEGER))"
    return f"""
    DELETE FROM reporting_attendance WHERE beneficiary_id {persons};
    INSERT INTO reporting_attendance ({COLUMNS})
    SELECT g.beneficiary_id, g.year, g.venue_id, g.visits, g.first_visit, g.months,
           g.year = MIN(g.year) OVER (PARTITION BY g.beneficiary_id),
           b.sex, b.quarter_id, b.birth_date, {age_band_sql("g.first_visit", "b.birth_date", sqlite_at_least)}
    FROM (
        SELECT v.beneficiary_id, {year} AS year, s.venue_id, COUNT(*) AS visits,
               MIN(v.date) AS first_visit, {months} AS months
        FROM beneficiaries_visit v JOIN permanences_permanence s ON s.id = v.permanence_id
        WHERE v.beneficiary_id {persons}
        GROUP BY v.beneficiary_id, {year}, s.venue_id
        UNION ALL
        SELECT v.beneficiary_id, {year}, NULL, COUNT(*), MIN(v.date), {months}
        FROM beneficiaries_visit v
        WHERE v.beneficiary_id {persons}
        GROUP BY v.beneficiary_id, {year}
    ) AS g
    JOIN beneficiaries_beneficiary b ON b.id = g.beneficiary_id;"""  # noqa: S608 - no input


SESSION_PERSONS = "IN (SELECT beneficiary_id FROM beneficiaries_visit WHERE permanence_id = NEW.id)"

# (name, event and table, WHEN condition or "", body): one row-level trigger each.
SQLITE_TRIGGERS = [
    (
        "reporting_attendance_visit_inserted",
        "INSERT ON beneficiaries_visit",
        "",
        sqlite_refresh("= NEW.beneficiary_id"),
    ),
    (
        "reporting_attendance_visit_deleted",
        "DELETE ON beneficiaries_visit",
        "",
        sqlite_refresh("= OLD.beneficiary_id"),
    ),
    (
        "reporting_attendance_visit_updated",
        "UPDATE OF beneficiary_id, permanence_id, date ON beneficiaries_visit",
        "(OLD.beneficiary_id, OLD.permanence_id, OLD.date) IS NOT (NEW.beneficiary_id, NEW.permanence_id, NEW.date)",
        sqlite_refresh("= OLD.beneficiary_id") + sqlite_refresh("= NEW.beneficiary_id"),
    ),
    (
        "reporting_attendance_person_inserted",
        "INSERT ON beneficiaries_beneficiary",
        "EXISTS (SELECT 1 FROM beneficiaries_visit WHERE beneficiary_id = NEW.id)",
        sqlite_refresh("= NEW.id"),
    ),
    (
        "reporting_attendance_person_updated",
        "UPDATE OF sex, quarter_id, birth_date ON beneficiaries_beneficiary",
        "(OLD.sex, OLD.quarter_id, OLD.birth_date) IS NOT (NEW.sex, NEW.quarter_id, NEW.birth_date)",
        f"""
    UPDATE reporting_attendance SET sex = NEW.sex, quarter_id = NEW.quarter_id, birth_date = NEW.birth_date,
        age_band = {age_band_sql("first_visit", "NEW.birth_date", sqlite_at_least)}
    WHERE beneficiary_id = NEW.id;""",  # noqa: S608
    ),
    (
        "reporting_attendance_session_inserted",
        "INSERT ON permanences_permanence",
        "EXISTS (SELECT 1 FROM beneficiaries_visit WHERE permanence_id = NEW.id)",
        sqlite_refresh(SESSION_PERSONS),
    ),
    (
        "reporting_attendance_session_updated",
        "UPDATE OF date, venue_id ON permanences_permanence",
        "(OLD.date, OLD.venue_id) IS NOT (NEW.date, NEW.venue_id)",
        """
    UPDATE beneficiaries_visit SET date = NEW.date WHERE permanence_id = NEW.id AND date <> NEW.date;"""  # noqa: S608
        + sqlite_refresh(SESSION_PERSONS),
    ),
]


def sqlite_create(schema_editor):
    for name, event, when, body in SQLITE_TRIGGERS:
        condition = f" WHEN {when}" if when else ""
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN{body}\nEND", params=None
        )


def sqlite_drop(schema_editor):
    for name, *_ in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        pg_create(schema_editor)
    elif vendor == "sqlite":
        sqlite_create(schema_editor)
    else:
        raise NotImplementedError(
            f"The bilan's attendance triggers exist for PostgreSQL and SQLite, not {vendor}."
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pg_drop(schema_editor)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_attendance"),
        ("beneficiaries", "0009_referral_year_partner_index"),
        ("permanences", "0005_public_info"),
    ]

    operations = [migrations.RunPython(create, drop)]

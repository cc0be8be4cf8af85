"""The SQLite demo (`make run`) records the same entries with row triggers:
migrated in a fresh SQLite database, in another process (the suite runs on
PostgreSQL). Its triggers compare every column of every audited table, so a
later migration that adds a column or rebuilds a table (SQLite rebuilds a table
for most ALTERs, dropping its triggers) must create them again: this fails
until it does (`audit.operations.KeepingSqliteTriggers` does it, and keeps the
table's other triggers)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = r"""
import json, re
from django.db import DatabaseError, connection, transaction
from audit.context import acting_as, running_command, serving_request
from audit.models import AuditEntry
from audit.services import audit_purge
from beneficiaries.models import Beneficiary, Visit
from permanences.models import Permanence, Quarter, Venue
from django.contrib.auth import get_user_model
import datetime

migration = __import__("audit.migrations.0003_audit_triggers", fromlist=["AUDITED", "IGNORED"])
result = {}

# Every column of every audited table is compared by its update trigger.
with connection.cursor() as cursor:
    missing = {}
    # The same list as the PostgreSQL tests: audit's migrations and those of the apps above.
    from tests.audit.helpers import audited_tables
    audited = audited_tables()
    result["tables"] = sorted(table for table, _, _ in audited)
    for table, _, _ in audited:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                       [f"audit_{table}_update"])
        found = cursor.fetchone()
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        wanted = columns - set(migration.IGNORED)
        compared = found[0] if found else ""
        missing[table] = sorted(c for c in wanted if f'OLD."{c}" IS NOT NEW."{c}"' not in compared)
    result["missing"] = {table: names for table, names in missing.items() if names}
    # Kept through the rebuild of the persons table (beneficiaries 0017, a new constraint).
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'beneficiaries_beneficiary'"
    )
    result["person_triggers"] = sorted(name for (name,) in cursor.fetchall())

user = get_user_model().objects.create_user(username="alice", password="x" * 20)
with acting_as(user), serving_request("0123456789abcdef0123456789abcdef"):
    person = Beneficiary.objects.create(
        last_name="Zyxwvut", first_name="Qwertyuiop", sex="F", phone="0639987766"
    )
    Beneficiary.objects.filter(pk=person.pk).update(first_name="Autre", phone="")
    Beneficiary.objects.filter(pk=person.pk).update(referent=user)
    person.refresh_from_db()
    person.save()  # unchanged
    quarter = Quarter.objects.create(name="Q")
    venue = Venue.objects.create(name="V", quarter=quarter)
    session = Permanence.objects.create(
        venue=venue, date=datetime.date(2024, 1, 8), start_time=datetime.time(9), end_time=datetime.time(12)
    )
    Visit.objects.bulk_create([Visit(beneficiary=person, permanence=session, notes="Notes Kplmnbv")])
with running_command("shell"):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beneficiaries_visit")

def rows(object_type):
    return [
        [e.action, e.username, e.user_id, e.file_ref, e.columns]
        for e in AuditEntry.objects.filter(object_type=object_type).order_by("pk")
    ]

result["person"] = rows("beneficiaries.beneficiary")
result["visit"] = rows("beneficiaries.visit")
result["requests"] = [
    e.request_id.hex if e.request_id else None
    for e in AuditEntry.objects.filter(object_type="beneficiaries.visit").order_by("pk")
]
# The trail's own triggers compare the request id too (audit 0007).
cursor = connection.cursor()
cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_auditentry_no_update'")
result["no_update"] = cursor.fetchone()[0]
result["ref"] = person.ref
result["user_id"] = user.pk
texts = AuditEntry.objects.values_list(
    "username", "object_type", "object_id", "file_ref", "detail", "columns"
)
result["texts"] = " ".join(" ".join(row) for row in texts)
refused = []
for statement in ("UPDATE audit_auditentry SET detail = 'x'", "DELETE FROM audit_auditentry"):
    try:
        with transaction.atomic():
            connection.cursor().execute(statement)
    except DatabaseError as error:
        refused.append(str(error))
result["refused"] = refused
result["purged"] = audit_purge(now=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC))
print("RESULT" + json.dumps(result))
"""


def test_the_sqlite_triggers_record_the_same_entries(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.test_settings",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=240)
    done = subprocess.run(
        [*manage, "shell", "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("RESULT", 1)[1])

    assert {"beneficiaries_appointment", "messaging_message", "messaging_messagetemplate"} <= set(
        result["tables"]
    )
    assert result["missing"] == {}
    assert result["person_triggers"] == [
        "audit_beneficiaries_beneficiary_delete",
        "audit_beneficiaries_beneficiary_insert",
        "audit_beneficiaries_beneficiary_update",
        "beneficiaries_anonymised_file_guard",
        "reporting_attendance_person_inserted",
        "reporting_attendance_person_updated",
    ]
    ref, user_id = result["ref"], result["user_id"]
    assert result["person"] == [
        ["create", "alice", user_id, ref, ""],
        ["change", "alice", user_id, ref, "first_name, phone"],  # the search key is bookkeeping
        ["change", "alice", user_id, ref, "referent_id"],
    ]
    assert result["visit"] == [
        ["create", "alice", user_id, ref, ""],
        ["delete", "commande shell", None, ref, ""],
    ]
    # The request the row was written in (audit/migrations/0007); none outside a request.
    assert result["requests"] == ["0123456789abcdef0123456789abcdef", None]
    assert 'OLD."request_id" IS NEW."request_id"' in result["no_update"]
    for value in ("zyxwvut", "qwertyuiop", "0639987766", "kplmnbv"):
        assert value not in result["texts"].lower()
    assert len(result["refused"]) == 2
    assert all("Le journal d'audit ne se modifie pas" in message for message in result["refused"])
    assert result["purged"] > 0


TRIGGERS = r"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    print("RESULT" + json.dumps(cursor.fetchall()))
"""


def test_a_table_rebuilt_back_and_forth_keeps_its_triggers(tmp_path):
    """Migrating back before the persons table's rebuild (beneficiaries 0017), then
    forward again: the same triggers, the audit's comparing the columns of the time."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.test_settings",
    )
    manage = [sys.executable, "manage.py"]

    def triggers() -> dict[str, str]:
        done = subprocess.run(
            [*manage, "shell", "-c", "import json\n" + TRIGGERS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return dict(json.loads(done.stdout.split("RESULT", 1)[1]))

    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=240)
    latest = triggers()
    subprocess.run(
        [*manage, "migrate", "beneficiaries", "0019", "-v0"], cwd=ROOT, env=env, check=True, timeout=240
    )
    before = triggers()
    # The tables of later migrations (workshops, messages) go back with them; every other trigger stays.
    assert before.keys() <= latest.keys()
    assert all("workshop" in name or "message" in name for name in latest.keys() - before.keys())
    changed = {name for name in before if latest[name] != before[name]}
    # The trail's own triggers went back with audit 0007 (after the workshops): without the request id.
    assert changed == {"audit_beneficiaries_beneficiary_update", "audit_auditentry_no_update"}
    assert "request_id" not in before["audit_auditentry_no_update"]
    assert "referent_id" in latest["audit_beneficiaries_beneficiary_update"]
    assert "referent_id" not in before["audit_beneficiaries_beneficiary_update"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=240)
    assert triggers() == latest

"""The SQLite demo (`make run`) after migration 0017_corrections, in another
process (the suite runs on PostgreSQL): SQLite rebuilds the three tables it
changes, so the migration puts their triggers aside and creates them again.
Every trigger is still there (audit trail, attendance table, anonymised-file
guard), corrections work, and the bilan's attendance follows them; migrating
back leaves the triggers as they were."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The suite's own database only for its fixtures (the cache emptied): the demo's is another.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent

TRIGGERS = """
import json
from django.db import connection
with connection.cursor() as cursor:
    # The triggers of the tables the corrections migration rebuilds (later migrations add others).
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
        "('beneficiaries_visit', 'beneficiaries_referral', 'beneficiaries_outcome') ORDER BY name"
    )
    print("RESULT" + json.dumps([name for (name,) in cursor.fetchall()]))
"""

SCRIPT = r"""
import datetime, json
from django.contrib.auth import get_user_model
from django.db import connection
from audit.context import acting_as
from audit.models import AuditEntry
from beneficiaries import correction_services as corrections
from beneficiaries.models import Beneficiary, Referral, Visit
from beneficiaries.services import referral_record, visit_record
from permanences.models import Permanence, Quarter, Venue

user = get_user_model().objects.create_user(username="alice", password="x" * 20)
quarter = Quarter.objects.create(name="Q")
venues = [Venue.objects.create(name=name, quarter=quarter) for name in ("A", "B")]
day = datetime.date(2024, 3, 4)
sessions = [
    Permanence.objects.create(
        venue=venue, date=day, start_time=datetime.time(9), end_time=datetime.time(12), status="held"
    )
    for venue in venues
]

def attendance():
    with connection.cursor() as cursor:
        cursor.execute("SELECT venue_id, visits FROM reporting_attendance ORDER BY venue_id")
        return [list(row) for row in cursor.fetchall()]

result = {}
with acting_as(user):
    person = Beneficiary.objects.create(last_name="Martin", first_name="Elodie", sex="F")
    visit = visit_record(
        beneficiary=person, permanence=sessions[0], counsellor=user, topics=[], referrals=[("plie", "")]
    )
    phoned = {"partner": "cap_emploi", "channel": "telephone", "proposed_on": day}
    referral_record(beneficiary=person, data=phoned, user=user)
    result["before"] = attendance()
    corrections.visit_correct(
        visit_id=visit.pk, expected_version=1, values={"notes": "Corrigé"}, topics=[],
        permanence=sessions[1], user=user, reason="erreur_saisie",
    )
    result["moved"] = attendance()
    corrections.visit_delete(visit_id=visit.pk, expected_version=2, user=user, reason="doublon")
    result["deleted"] = attendance()
result["referrals"] = list(Referral.objects.values_list("partner", "channel"))
result["entries"] = sorted(
    {(e.action, e.object_type) for e in AuditEntry.objects.filter(object_type__startswith="beneficiaries.")}
)
result["venues"] = [venue.pk for venue in venues]
print("RESULT" + json.dumps(result))
"""


def run(env, *args, script: str | None = None):
    manage = [sys.executable, "manage.py", *args]
    if script is not None:
        manage += ["-c", script]
    done = subprocess.run(manage, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.split("RESULT", 1)[1]) if script is not None else None


def test_the_sqlite_demo_keeps_its_triggers_and_follows_corrections(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.test_settings",
    )
    run(env, "migrate", "-v0", "beneficiaries", "0016")
    run(env, "migrate", "-v0")  # the other apps, with their triggers on these tables
    run(env, "migrate", "-v0", "beneficiaries", "0016")
    before = run(env, "shell", script=TRIGGERS)
    run(env, "migrate", "-v0")
    after = run(env, "shell", script=TRIGGERS)
    assert after == before
    for table in ("visit", "referral", "outcome"):
        names = {f"audit_beneficiaries_{table}_{event}" for event in ("insert", "update", "delete")}
        names |= {f"beneficiaries_{table}_anonymised_guard_{event}" for event in ("insert", "update")}
        assert names <= set(after), table
    assert {"reporting_attendance_visit_deleted", "reporting_attendance_visit_updated"} <= set(after)

    result = run(env, "shell", script=SCRIPT)
    first, second = result["venues"]
    assert result["before"] == [[None, 1], [first, 1]]
    assert result["moved"] == [[None, 1], [second, 1]]
    assert result["deleted"] == []
    assert result["referrals"] == [["cap_emploi", "telephone"]]
    assert ["correction", "beneficiaries.visit"] in result["entries"]
    assert ["delete", "beneficiaries.referral"] in result["entries"]

    run(env, "migrate", "-v0", "beneficiaries", "0016")
    assert run(env, "shell", script=TRIGGERS) == before

"""The app through PgBouncer in transaction pooling mode (deploy/pgbouncer/,
DATABASE_POOLER=pgbouncer): an app server (deploy/systemd/permanences-gunicorn.service)
and the task worker (deploy/systemd/permanences-worker.service) reach the
database only through it. A coordinator logs in and logs a visit with a
referral, downloads a nominative export (read in chunks: no server-side cursor);
an import runs in the worker (COPY, triggers); the bilan is computed through
PgBouncer; every audit entry names its writer and its request. Then PgBouncer
stops: /readyz says the database is unreachable, /healthz still answers."""

import io
import json
import os
import subprocess
import sys
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from bench.imports import generate, to_csv
from beneficiaries.enums import ImportAction, ImportJobState
from beneficiaries.models import Beneficiary, ImportJob, ImportUpload, Referral, Visit
from core.enums import Role

from ..beneficiaries.test_import_jobs import DATABASE_TASKS, follow_job, upload
from ..factories import make_permanence, make_user
from .agent import Agent
from .servers import ROOT, Gunicorn, PgBouncer, Worker, app_environment, database_url, require, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pgbouncer(django_db_setup, log_dir):
    require("pgbouncer")
    bouncer = PgBouncer(log_dir).start()
    yield bouncer
    bouncer.stop()


@pytest.fixture
def pooled(pgbouncer, log_dir):
    """What the app servers and the worker are given to reach the database."""
    return {
        "DATABASE_URL": database_url(host="127.0.0.1", port=pgbouncer.port),
        "DATABASE_POOLER": "pgbouncer",
    }


@pytest.fixture
def app(pooled, log_dir):
    server = Gunicorn("pooled-app", log_dir, **pooled).start()
    yield server
    server.stop()


def log_a_visit(agent: Agent, via: str, permanence) -> tuple[Beneficiary, str]:
    """A new file, then a visit with a referral, as the desk does; the visit POST's request id."""
    create = reverse("beneficiaries:create")
    page = agent.get(create, via=via)
    fields = {"last_name": "Pooled", "first_name": "Ondine", "sex": "F"}
    created = agent.post(
        create,
        {"csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"), "token": page.hidden("token"), **fields},
        via=via,
    )
    assert created.status == 302, created.text[:1000]
    person = Beneficiary.objects.get(last_name="Pooled")
    path = reverse("beneficiaries:visit_create", args=[person.pk, permanence.pk])
    page = agent.get(path, via=via)
    visit = agent.post(
        path,
        {
            "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
            "token": page.hidden("token"),
            "orientations-TOTAL_FORMS": "1",
            "orientations-INITIAL_FORMS": "0",
            "orientations-0-partner": "mission_locale",
        },
        via=via,
    )
    assert visit.status == 302, visit.text[:1000]
    return person, visit.headers["X-Request-ID"]


def test_the_app_works_through_pgbouncer_in_transaction_mode(
    app, pooled, pgbouncer, reference_data, venue, django_user_model, settings, client, log_dir
):
    if os.environ.get("PGBIN"):
        # The throwaway cluster of scripts/with-postgres.sh, whose superuser reads pg_authid:
        # deploy/pgbouncer/userlist.sql wrote the role's SCRAM secret, never its password.
        user = connection.settings_dict["USER"]
        assert (pgbouncer.dir / "userlist.txt").read_text().startswith(f'"{user}" "SCRAM-SHA-256$')
    bob = make_user(django_user_model, "bob", Role.COORDINATION)
    session = make_permanence(venue, timezone.localdate(), start="00:00", end="23:59")
    agent = Agent(app.port)
    assert agent.log_in("bob", via=app.address).status == 302

    person, request_id = log_a_visit(agent, app.address, session)
    visit = Visit.objects.get(beneficiary=person)
    assert Referral.objects.get(visit=visit).partner == "mission_locale"
    written = AuditEntry.objects.filter(object_type="beneficiaries.visit", object_id=str(visit.pk)).get()
    assert (written.user, written.username, written.request_id.hex) == (bob, "bob", request_id)
    assert AuditEntry.objects.filter(request_id=request_id, object_type="beneficiaries.referral").exists()
    # A nominative export reads in chunks (.iterator()): with server-side cursors off, through PgBouncer.
    page = agent.get(reverse("beneficiaries:data"), via=app.address)
    export = agent.post(
        reverse("beneficiaries:export"),
        {"csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"), "content": "visits", "format": "csv"},
        via=app.address,
    )
    assert export.status == 200 and person.ref in export.text

    # An import, run by the task worker through PgBouncer: COPY and the audit triggers.
    settings.TASKS = DATABASE_TASKS
    worker = Worker("pooled-worker", log_dir).start(DJANGO_SETTINGS_MODULE="config.settings", **pooled)
    try:
        client.force_login(bob)
        files = to_csv(generate(visits=300))
        assert upload(client, files).status_code == 302
        preview, pending = ImportJob.objects.get(), ImportUpload.objects.get()
        follow_job(client, preview, other_page=reverse("beneficiaries:list"), timeout=120)
        assert preview.state == ImportJobState.DONE, preview.message + worker.output()
        confirm = client.post(
            reverse("beneficiaries:import_preview", args=[pending.pk]), {"action": "confirmer"}
        )
        assert confirm.status_code == 302
        job = ImportJob.objects.get(action=ImportAction.IMPORT)
        follow_job(client, job, other_page=reverse("beneficiaries:list"), timeout=120)
        assert job.imported, job.message + worker.output()
    finally:
        worker.stop()
    # The worker's journal: each task started and ended.
    assert worker.output().count("state=RUNNING") == 2 and worker.output().count("state=SUCCESSFUL") == 2
    assert Visit.objects.count() == 301
    imported = AuditEntry.objects.filter(object_type="beneficiaries.visit", action="create").exclude(
        pk=written.pk
    )
    assert imported.count() == 300 and set(imported.values_list("username", flat=True)) == {"bob"}

    # The bilan of a year of the import, computed through PgBouncer, as directly.
    year = str(Visit.objects.order_by("date").last().date.year - 1)
    env = app_environment(**pooled)
    done = subprocess.run(
        [sys.executable, "manage.py", "bilan", "--year", year, "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    direct = call_command_output("bilan", "--year", year, "--format", "json")
    assert json.loads(done.stdout) == json.loads(direct) and json.loads(direct)["appointments"] > 0

    # JIT is off on PgBouncer's connections (its connect_query), which refuses the
    # `options` the app sends PostgreSQL directly (hence DATABASE_POOLER=pgbouncer).
    params = pgbouncer.client_params()
    with psycopg.connect(**params) as through_pgbouncer:
        assert through_pgbouncer.execute("SHOW jit").fetchone() == ("off",)
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(**params, options="-c jit=off")

    # The database lost: not ready, but alive.
    pgbouncer.stop()
    wait_until(lambda: agent.get("/readyz", via=app.address).status == 503, timeout=30, what="readyz 503")
    assert "base de données injoignable" in agent.get("/readyz", via=app.address).text
    assert agent.get("/healthz", via=app.address).status == 200


def call_command_output(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_postgresql_connections_stay_bounded_however_many_clients(pgbouncer):
    """60 clients at once through PgBouncer: PostgreSQL sees at most its pool
    (default_pool_size 20 + reserve_pool_size 5 of deploy/pgbouncer/pgbouncer.ini)."""
    params = pgbouncer.client_params(autocommit=True)
    seen, done = [], []

    def client():
        with psycopg.connect(**params) as through_pgbouncer:
            through_pgbouncer.execute("SELECT pg_sleep(0.2)")
            done.append(1)

    threads = [threading.Thread(target=client) for _ in range(60)]
    for thread in threads:
        thread.start()
    with connection.cursor() as cursor:  # directly to PostgreSQL
        while any(thread.is_alive() for thread in threads):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            seen.append(cursor.fetchone()[0])
    for thread in threads:
        thread.join()
    assert len(done) == 60
    assert 1 <= max(seen) <= 25, max(seen)


def test_a_time_zone_set_by_one_client_never_reaches_another(pgbouncer):
    """Django sets its connection's time zone outside any transaction (SET TIME ZONE):
    PgBouncer gives each client its own on whatever server connection it lends."""
    params = pgbouncer.client_params(autocommit=True)
    with psycopg.connect(**params) as first, psycopg.connect(**params) as second:
        default = second.execute("SHOW TimeZone").fetchone()[0]
        assert default != "America/New_York"
        shared = []
        for _ in range(5):
            first.execute("SET TIME ZONE 'America/New_York'")
            assert second.execute("SHOW TimeZone").fetchone() == (default,)
            assert first.execute("SHOW TimeZone").fetchone() == ("America/New_York",)
            pid = "SELECT pg_backend_pid()"
            shared.append(first.execute(pid).fetchone() == second.execute(pid).fetchone())
        assert any(shared)  # one server connection was lent to each in turn

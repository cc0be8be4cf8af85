"""Logs for operations (core/logs.py): one line per request with its route, never
its path or query string; a request id, the proxy's or a new one, in the
response and in every audit entry the request writes; JSON by LOG_FORMAT."""

import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry

from ..factories import make_person

ROOT = Path(__file__).resolve().parents[2]
HEX32 = r"[0-9a-f]{32}"


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "permanences.requests"]


@pytest.mark.django_db
def test_one_line_per_request_names_its_route_never_its_path(client, counsellor, caplog):
    person = make_person("Zyxwvut", "Qwertyuiop")
    client.force_login(counsellor)
    caplog.set_level(logging.INFO)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("beneficiaries:detail", args=[person.pk]))
    sent = len(captured)
    client.get(reverse("beneficiaries:search"), {"q": "Zyxwvut"})
    assert response.status_code == 200
    first, second = request_lines(caplog)
    assert (first.method, first.route, first.status, first.user_id) == (
        "GET",
        "/personnes/<int:pk>/",
        200,
        counsellor.pk,
    )
    assert first.duration_ms >= 0
    # The SQL statements the request sent: those a test's assertNumQueries counts.
    assert first.queries == sent > 0
    assert first.request_id == response.headers["X-Request-ID"]
    assert second.route == "/personnes/recherche/"
    text = caplog.text.lower()
    assert "zyxwvut" not in text and f"/personnes/{person.pk}/" not in text


@pytest.mark.django_db
def test_django_own_lines_name_the_route_not_the_path(client, counsellor, caplog):
    from core.logs import RouteOnlyFilter

    client.force_login(counsellor)
    caplog.set_level(logging.INFO)
    assert client.get(reverse("beneficiaries:detail", args=[987654])).status_code == 404
    (warning,) = [r for r in caplog.records if r.name == "django.request"]
    RouteOnlyFilter().filter(warning)
    assert warning.getMessage() == "Not Found: /personnes/<int:pk>/"


@pytest.mark.django_db
def test_the_request_id_reaches_every_audit_entry_the_request_writes(client, counsellor):
    person = make_person()
    client.force_login(counsellor)
    response = client.post(reverse("beneficiaries:notice_given", args=[person.pk]))
    assert response.status_code == 302
    written = AuditEntry.objects.filter(file_ref=person.ref, action=AuditAction.CHANGE)
    assert written.count() == 1
    assert written.get().request_id.hex == response.headers["X-Request-ID"]
    # Read entries (audit_record) carry it too; entries outside a request carry none.
    viewed = client.get(reverse("beneficiaries:detail", args=[person.pk]))
    entry = AuditEntry.objects.filter(file_ref=person.ref, action=AuditAction.VIEW).get()
    assert entry.request_id.hex == viewed.headers["X-Request-ID"]
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, file_ref=person.ref).get().request_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("behind_proxy", "given", "kept"),
    [
        (True, "0123456789abcdef0123456789abcdef", True),
        (True, "01234567-89ab-cdef-0123-456789abcdef", True),
        (True, "'); DROP TABLE x; --", False),
        (True, "0" * 33, False),
        (False, "0123456789abcdef0123456789abcdef", False),
    ],
)
def test_the_proxy_request_id_is_kept_when_trusted_and_sane(client, settings, behind_proxy, given, kept):
    settings.REQUEST_ID_FROM_PROXY = behind_proxy
    response = client.get(reverse("login"), headers={"X-Request-ID": given})
    returned = response.headers["X-Request-ID"]
    assert len(returned) == 32 and all(c in "0123456789abcdef" for c in returned)
    assert (returned == given.replace("-", "")) is kept


def run_with(env: dict, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


REQUEST = """
import django
django.setup()
from django.test import Client
Client().get("/connexion/?q=Zyxwvut")
Client().get("/inconnu/Zyxwvut/")
"""


def test_log_format_json_writes_one_json_object_per_line():
    done = run_with({"LOG_FORMAT": "json", "DATABASE_URL": "sqlite://:memory:"}, REQUEST)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    line, missing = [line for line in lines if line["logger"] == "permanences.requests"]
    assert (missing["route"], missing["status"]) == ("(aucune)", 404)
    fields = {
        "time",
        "level",
        "logger",
        "message",
        "method",
        "route",
        "status",
        "duration_ms",
        "queries",
        "request_id",
    }
    assert set(line) == fields
    assert line["method"] == "GET" and line["route"] == "/connexion/" and line["status"] == 200
    assert line["level"] == "INFO" and "user_id" not in line and len(line["request_id"]) == 32
    assert [line["message"] for line in lines if line["logger"] == "django.request"] == [
        "Not Found: (aucune)"
    ]
    assert "Zyxwvut" not in done.stderr
    text = run_with({"LOG_FORMAT": "text", "DATABASE_URL": "sqlite://:memory:"}, REQUEST)
    assert " INFO permanences.requests GET /connexion/ 200 " in text.stderr
    wrong = run_with({"LOG_FORMAT": "xml"}, "import django; django.setup()")
    assert wrong.returncode != 0 and "LOG_FORMAT" in wrong.stderr


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_error_is_logged_with_its_traceback_but_never_its_message(settings, log_format):
    """A database error quotes the values of its row; the error it followed, what was typed."""
    from django.db import IntegrityError

    config = settings.LOGGING["formatters"][log_format]
    formatter = logging.config.DictConfigurator({}).configure_formatter(dict(config))
    name, phone = "".join(["Zé", "bulon"]), " ".join(["06", "12", "34", "56", "78"])  # not in the source
    try:
        try:
            raise ValueError(f"saisi : {name}")
        except ValueError as typed:
            raise IntegrityError(f"Key (last_name)=({name}) already exists. {phone}") from typed
    except IntegrityError:
        error = sys.exc_info()
    record = logging.getLogger("django.request").makeRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",), error
    )
    line = formatter.format(record)
    assert name not in line and phone not in line
    assert "django.db.utils.IntegrityError (message omis" in line and "builtins.ValueError" in line
    assert "test_an_error_is_logged_with_its_traceback_but_never_its_message" in line  # the frames


def test_counting_queries_leaves_the_connection_wrappers_added_during_the_request(rf):
    """A request that opens the database connection adds the audit's wrapper to it
    (audit/db.py): the request log takes its own counter away, never that one."""
    from django.http import HttpResponse

    from core.logs import RequestLogMiddleware

    def audit_like(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    def view(request):
        connection.execute_wrappers.append(audit_like)  # as audit.db.prepare() on a new connection
        return HttpResponse("ok")

    before = list(connection.execute_wrappers)
    try:
        RequestLogMiddleware(view)(rf.get("/"))
        assert connection.execute_wrappers == [*before, audit_like]
    finally:
        connection.execute_wrappers[:] = before

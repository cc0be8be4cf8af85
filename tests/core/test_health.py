"""Health endpoints (core/health.py): no login, nothing personal, no session,
no audit entry, no log line; /readyz asks the database and its migrations."""

import logging

import pytest
from django.db import OperationalError

from audit.models import AuditEntry
from core import health


@pytest.mark.django_db
def test_healthz_answers_without_the_database(client, django_assert_num_queries, caplog):
    caplog.set_level(logging.INFO)
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "no-cache" in response.headers["Cache-Control"]
    assert [r for r in caplog.records if r.name == "permanences.requests"] == []


@pytest.mark.django_db
def test_readyz_asks_the_database_once(client, django_assert_num_queries):
    entries = AuditEntry.objects.count()  # a module's shared data may have written some
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert (response.status_code, response.content.decode()) == (200, "prêt\n")
    assert not response.cookies and AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_not_applied(client, monkeypatch, caplog):
    leaves = health.code_migrations() | {("core", "9999_coming")}
    monkeypatch.setattr(health, "code_migrations", lambda: leaves)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "migrations non appliquées (core.9999_coming)" in response.content.decode()
    # Noted in the logs with their number only.
    assert [r.getMessage() for r in caplog.records if r.name == "core.health"] == [
        "readyz: 1 migrations non appliquées"
    ]


@pytest.mark.django_db
def test_readyz_is_503_without_the_database(client, monkeypatch, caplog):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "missing_migrations", unreachable)
    response = client.get("/readyz")
    assert (response.status_code, response.content.decode()) == (
        503,
        "non prêt : base de données injoignable\n",
    )
    # Noted in the logs, with the kind of error only.
    assert [r.getMessage() for r in caplog.records if r.name == "core.health"] == [
        "readyz: base de données injoignable (OperationalError)"
    ]


@pytest.mark.django_db
def test_probes_skip_the_host_check_and_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.12:8000")
        assert response.status_code == 200, path
    assert client.post("/healthz").status_code == 405

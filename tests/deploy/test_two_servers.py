"""Stateless app servers: two gunicorn over one PostgreSQL behind nginx, all
started from deploy/. A login begun on one server ends on the other, and the
session goes on on either; through nginx, requests are spread over both; the
login throttling and the used two-factor codes are shared (both in the
database); the probes answer on each server and through nginx, without a cookie."""

import http.client

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from beneficiaries.models import Beneficiary
from core.enums import Role

from ..factories import make_user, totp_code
from .agent import Agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    pass


def test_a_login_on_one_server_goes_on_on_the_other(pair, agent, django_user_model):
    alice = make_user(django_user_model, "alice", Role.CONSEILLER)
    first, second = pair.first.address, pair.second.address
    # The password on the first server, the two-factor code on the second.
    answer = agent.log_in("alice", via=first, code_via=second)
    assert answer.status == 302 and answer.location == "/", answer.text[:500]
    home = agent.get("/", via=first)  # a counsellor's home is the day's desk
    assert home.status == 302 and home.location == reverse("permanences:today")
    today = agent.get(home.location, via=first)
    assert today.status == 200 and "Se déconnecter" in today.text
    # A create form read on one server, sent to the other: its token and CSRF hold.
    create = reverse("beneficiaries:create")
    page = agent.get(create, via=second)
    data = {
        "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        "token": page.hidden("token"),
        "last_name": "Quelconque",
        "first_name": "Ondine",
        "sex": "F",
    }
    created = agent.post(create, data, via=first)
    assert created.status == 302, created.text[:2000]
    person = Beneficiary.objects.get(last_name="Quelconque")
    assert created.location == reverse("beneficiaries:detail", args=[person.pk])
    assert "quelconque" in agent.get(created.location, via=second).text.lower()
    # The same form sent again, to the other server: the token holds, nothing twice.
    again = agent.post(create, data, via=second)
    assert again.status == 302 and again.location == created.location
    assert Beneficiary.objects.filter(last_name="Quelconque").count() == 1
    assert AuditEntry.objects.get(action="create", file_ref=person.ref).user == alice

    # Through nginx: the same session, spread over both servers.
    ids = [agent.get("/").headers["X-Request-ID"] for _ in range(6)]
    assert all(len(request_id) == 32 for request_id in ids)
    assert set(ids) & pair.first.request_ids() and set(ids) & pair.second.request_ids()
    assert set(ids) <= pair.first.request_ids() | pair.second.request_ids()
    # nginx's log and the app's share the request id; nginx's names no path.
    log = pair.nginx.access_log()
    assert all(request_id in log for request_id in ids)
    assert f"/personnes/{person.pk}/" not in log and "Quelconque" not in log
    logged_out = agent.submit(reverse("logout"), {})
    assert logged_out.status == 302
    assert agent.get("/", via=second).location.startswith("/connexion/")  # logged out on both


def test_login_throttling_and_used_codes_are_shared(pair, django_user_model, settings):
    make_user(django_user_model, "dora", Role.CONSEILLER)
    make_user(django_user_model, "alice", Role.CONSEILLER)
    servers = [pair.first.address, pair.second.address]
    guesser = Agent(pair.nginx.https_port)
    failures = []
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # Each server in turn, then the last one through nginx, which replaces the
        # address a client claims (X-Forwarded-For): all from the same address.
        via = servers[attempt % 2] if attempt < settings.AXES_FAILURE_LIMIT - 1 else None
        spoofed = {"X-Forwarded-For": f"203.0.113.{attempt}"}
        wrong = guesser.submit("/connexion/", {"login": "dora", "password": "faux"}, via=via, headers=spoofed)
        assert wrong.status == (200 if via else 429)  # the fifth locks out
        failures.append(wrong.headers["X-Request-ID"])
    # Both servers counted some of the five failures.
    assert set(failures) & pair.first.request_ids() and set(failures) & pair.second.request_ids()
    # Five failures spread over both: dora is locked out on each, right password or not.
    for server in servers:
        locked = Agent(pair.nginx.https_port).submit(
            "/connexion/", {"login": "dora", "password": "correct-horse-battery-staple"}, via=server
        )
        assert locked.status == 429 and "suspendue" in locked.text

    # A two-factor code used on one server is refused on the other.
    code = totp_code()
    first = Agent(pair.nginx.https_port)
    answer = first.submit(
        "/connexion/", {"login": "alice", "password": "correct-horse-battery-staple"}, via=servers[0]
    )
    assert first.submit(answer.location, {"code": code}, via=servers[0]).status == 302
    second = Agent(pair.nginx.https_port)
    answer = second.submit(
        "/connexion/", {"login": "alice", "password": "correct-horse-battery-staple"}, via=servers[1]
    )
    replay = second.submit(answer.location, {"code": code}, via=servers[1])
    assert replay.status == 200 and "/2fa/authenticate/" in answer.location
    assert second.get("/", via=servers[1]).location.startswith("/connexion/")  # not logged in


def plain_get(port: int, path: str, host: str) -> tuple[int, str]:
    """(status, Location) of a plain HTTP GET with this Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.headers.get("Location", "")
    finally:
        connection.close()


def test_the_probes_answer_on_each_server_and_through_nginx(pair):
    before, logged = AuditEntry.objects.count(), pair.nginx.access_log()
    agent = Agent(pair.nginx.https_port)
    for via in (pair.first.address, pair.second.address, None):
        for path, body in (("/healthz", "ok\n"), ("/readyz", "prêt\n")):
            answer = agent.get(path, via=via)
            assert (answer.status, answer.text) == (200, body), (via, path)
            assert answer.headers.get("Set-Cookie") is None
    assert agent.cookies == {} and AuditEntry.objects.count() == before
    # Plain HTTP straight to an app server, by its address: no redirect, no host check.
    for server in (pair.first, pair.second):
        assert plain_get(server.port, "/readyz", host=f"10.0.0.12:{server.port}") == (200, "")
    # No log line for the probes, on the app servers or in nginx's access log.
    for server in (pair.first, pair.second):
        assert "/healthz" not in server.output() and "/readyz" not in server.output()
    assert pair.nginx.access_log() == logged
    # nginx takes the files of an import (seven of 5 MB), not more than 40 MB.
    for size, refused in ((36 * 1024 * 1024, False), (41 * 1024 * 1024, True)):
        big = agent.request("POST", "/connexion/", {"x": "a" * size})
        assert (big.status == 413) is refused, (size, big.status)
    # nginx sends plain HTTP to HTTPS.
    assert plain_get(pair.nginx.http_port, "/healthz", host="127.0.0.1") == (301, "https://127.0.0.1/healthz")

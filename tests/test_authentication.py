"""Authentication: throttled password guessing that reveals no account, two-factor
authentication required for counsellors, coordination and admins, sessions that end on time."""

import datetime
import os
import subprocess
import sys
import time

import pytest
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessLog
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse

import core.middleware
from audit.enums import AuditAction
from audit.models import AuditEntry
from core.accounts import LAST_SEEN, LOGIN_AT

from .factories import PASSWORD, TOTP_SECRET, make_person, make_user, totp_code

pytestmark = pytest.mark.django_db


def main_text(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def post_login(client, username, password):
    return client.post(reverse("login"), {"login": username, "password": password})


def test_twenty_wrong_passwords_lock_out_without_revealing_the_account(client, counsellor):
    statuses = [post_login(client, "alice", f"wrong-{n}").status_code for n in range(20)]
    assert 500 not in statuses and statuses[-1] == 429
    locked = post_login(client, "alice", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and "suspendue" in locked.content.decode()
    # An identifier that does not exist gets exactly the same answers.
    other = Client()
    ghost = [post_login(other, "nobody-here", f"wrong-{n}") for n in range(20)]
    assert [r.status_code for r in ghost] == statuses
    assert main_text(ghost[-1]) == main_text(locked)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= 10


def test_passwords_are_long_and_not_common(django_user_model):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("court-1234", "password1234", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("cheval-agrafe-batterie-42")


def test_coordination_logs_in_with_a_totp_code(client, coordinator):
    response = post_login(client, "bob", PASSWORD)
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("beneficiaries:list")).status_code == 302  # not logged in yet
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.url == reverse("home")
    assert client.get(reverse("beneficiaries:list")).status_code == 200


def test_counsellors_log_in_with_a_totp_code_and_the_city_without(client, counsellor, city):
    assert post_login(client, "alice", PASSWORD).url == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).url == reverse("home")
    assert Client().post(reverse("login"), {"login": "charlie", "password": PASSWORD}).url == reverse("home")


def test_a_counsellor_without_authenticator_sets_one_up_before_reaching_any_file(client, django_user_model):
    user = make_user(django_user_model, "new-counsellor", "conseiller")
    Authenticator.objects.filter(user=user).delete()
    person = make_person()
    assert post_login(client, "new-counsellor", PASSWORD).url == reverse("home")
    for page in (
        reverse("permanences:today"),
        reverse("beneficiaries:list"),
        reverse("beneficiaries:search"),
        reverse("beneficiaries:followups"),
        reverse("beneficiaries:detail", args=[person.pk]),
        reverse("beneficiaries:edit", args=[person.pk]),
    ):
        response = client.get(page)
        assert response.status_code == 302 and response.url == reverse("mfa_activate_totp"), page
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()  # no file was shown
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert client.get(reverse("beneficiaries:list")).status_code == 200


def test_a_coordinator_without_authenticator_must_set_one_up(client, django_user_model):
    user = make_user(django_user_model, "new-coordinator", "coordination")
    Authenticator.objects.filter(user=user).delete()
    assert post_login(client, "new-coordinator", PASSWORD).url == reverse("home")
    response = client.get(reverse("beneficiaries:list"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("beneficiaries:list")).status_code == 200


def test_the_totp_of_a_required_role_cannot_be_removed(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in (200, 302, 403)


def test_the_admin_login_goes_through_the_same_two_factor_login(client, admin_user):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    post_login(client, "root", PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_counsellor_opening_the_admin_is_refused(client, counsellor):
    client.force_login(counsellor)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response.url
    assert client.get(response.url).status_code == 403


def test_sessions_end_after_30_minutes_idle_and_12_hours_at_most(client, counsellor):
    client.force_login(counsellor)
    url = reverse("beneficiaries:list")
    assert client.get(url).status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - 31 * 60
    session.save()
    assert client.get(url).status_code == 302
    client.force_login(counsellor)
    session = client.session
    session[LOGIN_AT] = time.time() - 12 * 3600 - 1
    session[LAST_SEEN] = time.time()
    session.save()
    assert client.get(url).status_code == 302


class Clock:
    """The time SessionLifetimeMiddleware reads, moved by hand."""

    def __init__(self):
        self.start = time.time()
        self.seconds = 0

    def now(self):
        return datetime.datetime.fromtimestamp(self.start + self.seconds, tz=datetime.UTC)


def visits(counsellor, clock, *times) -> list[int]:
    """The statuses of a session's requests at these seconds after its login (its last noted request)."""
    client = Client()
    client.force_login(counsellor)
    session = client.session
    session[LOGIN_AT] = session[LAST_SEEN] = clock.start
    session.save()
    statuses = []
    for seconds in times:
        clock.seconds = seconds
        statuses.append(client.get(reverse("beneficiaries:list")).status_code)
    return statuses


def test_a_session_ends_after_29_to_30_minutes_without_activity(counsellor, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(core.middleware, "timezone", clock)
    minute = 60
    # Nothing since the noted request: open at 29 min 59 s, ended at 30 min 1 s.
    assert visits(counsellor, clock, 30 * minute - 1) == [200]
    assert visits(counsellor, clock, 30 * minute + 1) == [302]
    # A request 59 s after is not noted (the time is written at most once a minute):
    # the session still ends 30 minutes after the noted one, 29 min 2 s after the last
    # request, and never before 29 minutes without a request.
    assert visits(counsellor, clock, minute - 1, 30 * minute - 2) == [200, 200]
    assert visits(counsellor, clock, minute - 1, 30 * minute + 1) == [200, 302]


def test_deactivating_a_user_ends_their_sessions(client, counsellor):
    client.force_login(counsellor)
    assert Session.objects.count() == 1
    counsellor.is_active = False
    counsellor.save()
    assert Session.objects.count() == 0
    assert client.get(reverse("beneficiaries:list")).status_code == 302


def test_a_role_taken_away_counts_from_the_next_request_of_an_open_session(client, counsellor):
    """Roles are read at each request (docs/BENCHMARKS.md, "Pourquoi 30 %"): nothing kept in a session."""
    client.force_login(counsellor)
    today = reverse("permanences:today")
    assert client.get(today).status_code == 200
    counsellor.groups.clear()
    assert client.get(today).status_code == 403


def test_wrong_codes_lock_the_second_factor_out_like_wrong_passwords(client, coordinator, settings):
    assert post_login(client, "bob", PASSWORD).url == reverse("mfa_authenticate")
    statuses = [
        client.post(reverse("mfa_authenticate"), {"code": f"{n:06d}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert 500 not in statuses
    sixth = client.post(reverse("mfa_authenticate"), {"code": totp_code()})  # even the right code
    assert sixth.status_code == 429 and "suspendue" in sixth.content.decode()
    assert "_auth_user_id" not in client.session
    # The password step of that account is suspended too, with the same page.
    again = Client()
    locked = post_login(again, "bob", PASSWORD)
    assert locked.status_code == 429 and main_text(locked) == main_text(sixth)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() >= settings.AXES_FAILURE_LIMIT


REPLAY = """
import django
django.setup()
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
totp = Authenticator.objects.get(user__username="bob", type=Authenticator.Type.TOTP)
print(TOTP(totp).validate_code({code!r}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_code_used_by_one_worker_process_is_refused_by_another(reference_data, coordinator):
    code = totp_code()
    first = Client()
    post_login(first, "bob", PASSWORD)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).url == reverse("home")
    # Another process (a second gunicorn worker) shares nothing but the database.
    database = django_settings.DATABASES["default"]
    url = f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    result = subprocess.run(
        [sys.executable, "-c", REPLAY.format(code=code)],
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "False"


PROXY = "10.0.0.2"  # nginx, as the app servers see it
ADDRESS_FROM = "AXES_IPWARE_META_PRECEDENCE_ORDER"


@pytest.fixture
def behind_proxy(settings):
    """Where config/settings.py reads the address with BEHIND_PROXY=1 (read from it, not copied)."""
    result = subprocess.run(
        [sys.executable, "-c", f"from config import settings; print(*settings.{ADDRESS_FROM})"],
        env={**os.environ, "BEHIND_PROXY": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    setattr(settings, ADDRESS_FROM, result.stdout.split())
    return settings


def login_from(address: str, password: str, *, proxy: str = PROXY, client=None):
    """A login through nginx: REMOTE_ADDR is nginx, X-Forwarded-For the client's address."""
    client = client or Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=address)
    return client.post(reverse("login"), {"login": "alice", "password": password})


def test_behind_nginx_the_lockout_is_per_identifier_and_client_address(behind_proxy, counsellor):
    assert behind_proxy.AXES_IPWARE_META_PRECEDENCE_ORDER == ["HTTP_X_FORWARDED_FOR"]
    for n in range(behind_proxy.AXES_FAILURE_LIMIT):
        assert login_from("198.51.100.7", f"wrong-{n}").status_code in (200, 429)
    locked = login_from("198.51.100.7", PASSWORD)
    assert locked.status_code == 429 and "suspendue" in locked.content.decode()
    # The same identifier from another address, through the same nginx, logs in.
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert login_from("203.0.113.9", PASSWORD, client=other).url == reverse("mfa_authenticate")
    assert other.post(reverse("mfa_authenticate"), {"code": totp_code()}).url == reverse("home")
    assert login_from("198.51.100.7", PASSWORD, proxy="10.0.0.3").status_code == 429  # other nginx
    # django-axes notes the client's address, never nginx's.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert set(AccessLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_without_a_proxy_a_forged_forwarded_address_does_not_dodge_the_lockout(settings, counsellor):
    assert settings.AXES_IPWARE_META_PRECEDENCE_ORDER == ["REMOTE_ADDR"]
    statuses = [
        login_from(f"198.51.100.{n}", f"wrong-{n}", proxy="192.0.2.1").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert 500 not in statuses
    locked = login_from("203.0.113.9", PASSWORD, proxy="192.0.2.1")
    assert locked.status_code == 429 and "suspendue" in locked.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.1"}
    # Another address is not locked out.
    assert login_from("203.0.113.9", PASSWORD, proxy="192.0.2.2").url == reverse("mfa_authenticate")


def minutes_later(minutes: int) -> None:
    """As if `minutes` had passed since the last attempt django-axes noted."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes))


def test_a_lockout_lasts_15_minutes_after_the_last_attempt(settings, counsellor):
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    for n in range(settings.AXES_FAILURE_LIMIT):
        post_login(Client(), "alice", f"wrong-{n}")
    minutes_later(14)
    assert post_login(Client(), "alice", PASSWORD).status_code == 429
    # That attempt, during the lockout, started the 15 minutes again.
    minutes_later(2)
    assert post_login(Client(), "alice", PASSWORD).status_code == 429
    minutes_later(16)
    assert post_login(Client(), "alice", PASSWORD).url == reverse("mfa_authenticate")

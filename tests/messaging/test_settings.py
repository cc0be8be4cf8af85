"""Settings of the messages: with nothing set, nothing leaves the machine; EMAIL_URL and
the EMAIL_* variables give Django's MAILERS."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.email_url import mailers

from ..test_settings import PRODUCTION, ROOT, manage, settings_value

BASE = Path("/srv/app")
# Production's variables, no mail server set.
UNSET = {name: value for name, value in PRODUCTION.items() if name != "EMAIL_URL"}
SHOW = (
    "[settings.MAILERS, type(load('messaging.sms.sms_backend')()).__name__, settings.SMS_QUIET_HOURS,"
    " settings.REMINDER_LEAD_HOURS, settings.MESSAGE_MAX_ATTEMPTS, settings.BREVO_API_KEY,"
    " str(settings.SMS_FILE_PATH), settings.MESSAGE_RETRY_SECONDS, settings.MESSAGE_SENDING_STALE_MINUTES,"
    " settings.CONSENT_LINK_MAX_AGE_DAYS, settings.BREVO_WEBHOOK_SECRET, settings.BREVO_API_URL]"
)


def settings_of(env):
    return settings_value(env, SHOW, setup=True)


def test_by_default_nothing_leaves_the_machine():
    mailer, sms, quiet, lead, attempts, key, sms_file, retry, stale, link_days, secret, brevo = settings_of(
        UNSET
    )
    # Production without configuration: e-mails and SMS written to files under var/.
    assert mailer["default"]["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert mailer["default"]["OPTIONS"]["file_path"].endswith("var/emails")
    assert sms == "FileBackend" and sms_file.endswith("var/sms.jsonl") and key == secret == ""
    assert (quiet, lead, attempts, retry, stale, link_days) == ("20:00-08:00", 24, 5, 60, 10, 365)
    # Brevo, once chosen, is reached in HTTPS.
    assert brevo == "https://api.brevo.com/v3"
    # The demo (DEBUG): both on the console.
    mailer, sms, *_ = settings_of({**UNSET, "DEBUG": "1"})
    assert mailer["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert sms == "ConsoleBackend"


def test_check_deploy_says_when_no_mail_server_is_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=UNSET)
    assert result.returncode != 0 and "mail.E001" in result.stderr + result.stdout


def test_settings_come_from_the_environment():
    env = {
        **PRODUCTION,
        "EMAIL_URL": "smtp+tls://relais%40example.org:mot%20de%20passe@smtp.example.org:587",
        "SMS_BACKEND": "brevo",
        "BREVO_API_KEY": "xkeysib-1",
        "SMS_QUIET_HOURS": "21:00-09:00",
        "REMINDER_LEAD_HOURS": "48",
        "MESSAGE_MAX_ATTEMPTS": "3",
    }
    mailer, sms, quiet, lead, attempts, key, *_ = settings_of(env)
    assert mailer["default"]["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 587,
        "username": "relais@example.org",
        "password": "mot de passe",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 30,
    }
    assert (sms, quiet, lead, attempts, key) == ("BrevoBackend", "21:00-09:00", 48, 3, "xkeysib-1")


@pytest.mark.parametrize(
    ("environ", "backend", "options"),
    [
        ({"EMAIL_URL": "smtps://smtp.example.org"}, "smtp", {"port": 465, "use_ssl": True, "use_tls": False}),
        ({"EMAIL_URL": "smtp://localhost:25"}, "smtp", {"port": 25, "use_ssl": False, "use_tls": False}),
        ({"EMAIL_URL": "smtp://h:2525?tls=1"}, "smtp", {"port": 2525, "use_tls": True}),
        ({"EMAIL_URL": "console:"}, "console", {}),
        ({"EMAIL_URL": "file:///var/mail/app"}, "filebased", {"file_path": "/var/mail/app"}),
        ({"EMAIL_URL": "anymail+brevo:"}, "anymail.backends.brevo", {}),
        (
            {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "1"},
            "smtp",
            {"port": 587, "use_tls": True},
        ),
        ({"EMAIL_BACKEND": "anymail.backends.test.EmailBackend"}, "anymail.backends.test", {}),
    ],
)
def test_email_url_and_email_variables(environ, backend, options):
    mailer = mailers(environ, debug=False, base_dir=BASE)["default"]
    assert backend in mailer["BACKEND"]
    assert options.items() <= mailer.get("OPTIONS", {}).items()


def test_an_unknown_email_url_stops_with_a_french_message():
    with pytest.raises(ImproperlyConfigured, match="schéma « http » inconnu"):
        mailers({"EMAIL_URL": "http://example.org"}, debug=False, base_dir=BASE)


def test_make_run_queues_the_messages_every_15_minutes_beside_the_worker():
    recipe = (ROOT / "Makefile").read_text().split("\nrun: demo-db\n", 1)[1].split("\n\n", 1)[0]
    assert "db_worker --no-reload" in recipe and "runserver" in recipe
    assert "REMINDER_LEAD_HOURS=$${REMINDER_LEAD_HOURS:-168} $(MANAGE) queue_messages" in recipe
    assert "sleep 900" in recipe
    # The trap stops the worker and the queuing loop however the server ends.
    assert "trap 'kill $$worker $$queuer" in recipe


def test_a_wrong_sms_backend_is_said_at_start_up():
    result = manage("check", env={**PRODUCTION, "SMS_BACKEND": "brevo"})
    assert result.returncode != 0
    assert "messaging.E001" in result.stderr and "SMS_BACKEND=brevo demande BREVO_API_KEY" in result.stderr
    result = manage("check", env={**PRODUCTION, "SMS_BACKEND": "pigeon"})
    assert result.returncode != 0 and "« pigeon » inconnu" in result.stderr


def test_check_deploy_says_when_site_url_is_not_set():
    without = {name: value for name, value in PRODUCTION.items() if name != "SITE_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=without)
    assert result.returncode != 0 and "messaging.W001" in result.stderr + result.stdout

"""README's « Configuration » table, row by row: what each row's variables act on
(an expression of tests/settings_probe.py), read in a process of its own with them
unset (the default the table gives) and set (the effect it says); tests/test_settings.py
reads them."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from config.email_url import FILE, SMTP

ROOT = Path(__file__).resolve().parent.parent

DOC = object()  # the value that the table's « Défaut » column gives


class Refused(str):
    """The settings refuse to load, with this message."""


@dataclass(frozen=True)
class Row:
    expression: str  # what the variables act on (tests/settings_probe.py)
    scenarios: tuple  # (environment added to a bare production one, value expected)
    doc: str | None = None  # a default the test cannot read as a value: the column, word for word
    setup: bool = False


PG = "postgres://app:secret@db.example.org:5432/permanences"
FILES = {"BACKEND": FILE, "OPTIONS": {"file_path": str(ROOT / "var" / "emails")}}
CONSOLE = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
BREVO = {"BACKEND": "anymail.backends.brevo.EmailBackend"}
SMTP_VARIABLES = ("HOST", "PORT", "HOST_USER", "HOST_PASSWORD", "USE_TLS", "USE_SSL", "TIMEOUT")


def smtp(**options) -> dict:
    defaults = {"port": 25, "username": "", "password": "", "use_ssl": False, "use_tls": False, "timeout": 30}
    return {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.org", **defaults, **options}}


def plain(expression: str, name: str, value: str, expected=None, **options) -> Row:
    """The table's default when unset; `value`, read as the setting's type, when set."""
    return Row(expression, (({}, DOC), ({name: value}, value if expected is None else expected)), **options)


def number(name: str, value: int = 3) -> Row:
    return plain(f"settings.{name}", name, str(value), value)


ROWS = {
    "DATABASE_URL": plain("database_url()", "DATABASE_URL", PG),
    "SECRET_KEY": Row(
        "settings.SECRET_KEY",
        (
            ({"SECRET_KEY": None}, Refused("SECRET_KEY doit être défini quand DEBUG est désactivé")),
            ({"SECRET_KEY": None, "DEBUG": "1"}, "insecure-demo-key-only-used-with-debug"),
            ({"SECRET_KEY": "une-autre-clé"}, "une-autre-clé"),
        ),
        doc="—",
    ),
    "DEBUG": plain("settings.DEBUG", "DEBUG", "1", True),
    "ALLOWED_HOSTS": Row(
        "settings.ALLOWED_HOSTS",
        (
            ({"DEBUG": "1"}, ["127.0.0.1", "localhost"]),
            ({}, []),
            ({"ALLOWED_HOSTS": "a.example.org, b.example.org"}, ["a.example.org", "b.example.org"]),
        ),
        doc="`127.0.0.1,localhost` avec `DEBUG`, sinon vide",
    ),
    "CSRF_TRUSTED_ORIGINS": plain(
        "','.join(settings.CSRF_TRUSTED_ORIGINS)", "CSRF_TRUSTED_ORIGINS", "https://a.example.org"
    ),
    "HTTPS": Row(
        "[settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
        " settings.SECURE_HSTS_SECONDS]",
        (
            ({}, [True, True, True, 31536000]),
            ({"DEBUG": "1"}, [False, False, False, 0]),
            ({"HTTPS": "0"}, [False, False, False, 0]),
            ({"DEBUG": "1", "HTTPS": "1"}, [True, True, True, 31536000]),
        ),
        doc="activé sans `DEBUG`",
    ),
    "SECURE_SSL_REDIRECT": Row(
        "[settings.SECURE_SSL_REDIRECT, 'security.W008' in deploy_warnings()]",
        (({}, [True, False]), ({"SECURE_SSL_REDIRECT": "0"}, [False, True]), ({"HTTPS": "0"}, [False, True])),
        doc="activé avec `HTTPS`",
        setup=True,
    ),
    "SECURE_HSTS_SECONDS": Row(
        "hsts().split(';')[0]",
        (({}, "max-age=31536000"), ({"HTTPS": "0"}, ""), ({"SECURE_HSTS_SECONDS": "3600"}, "max-age=3600")),
        doc="31536000 avec `HTTPS`",
    ),
    "SECURE_HSTS_PRELOAD,SECURE_HSTS_INCLUDE_SUBDOMAINS": Row(
        "['; preload' in hsts(), '; includeSubDomains' in hsts()]",
        (
            ({}, DOC),
            ({"SECURE_HSTS_PRELOAD": "0"}, [False, True]),
            ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "0"}, [True, False]),
        ),
    ),
    "BEHIND_PROXY": Row(
        "[settings.REQUEST_ID_FROM_PROXY, getattr(settings, 'SECURE_PROXY_SSL_HEADER', None),"
        " getattr(settings, 'AXES_IPWARE_META_PRECEDENCE_ORDER', None)]",
        (
            # The client's address: the connection's, or behind the proxy X-Forwarded-For only.
            ({}, [False, None, ["REMOTE_ADDR"]]),
            (
                {"BEHIND_PROXY": "1"},
                [True, ["HTTP_X_FORWARDED_PROTO", "https"], ["HTTP_X_FORWARDED_FOR"]],
            ),
        ),
        doc="désactivé",
    ),
    "CONN_MAX_AGE": plain("settings.DATABASES['default']['CONN_MAX_AGE']", "CONN_MAX_AGE", "0", 0),
    "DATABASE_POOLER": Row(
        "[settings.DATABASE_POOLER, settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False),"
        " settings.DATABASES['default'].get('OPTIONS', {}).get('options')]",
        (
            ({"DATABASE_URL": PG}, ["", False, "-c jit=off"]),
            ({"DATABASE_URL": PG, "DATABASE_POOLER": "pgbouncer"}, ["pgbouncer", True, None]),
            ({"DATABASE_POOLER": "pgpool"}, Refused("DATABASE_POOLER vaut « pgbouncer » ou rien")),
        ),
        doc="vide",
    ),
    "SESSION_IDLE_SECONDS": number("SESSION_IDLE_SECONDS", 600),
    "SESSION_MAX_SECONDS": plain("settings.SESSION_MAX_AGE", "SESSION_MAX_SECONDS", "3600", 3600),
    "AUDIT_RETENTION_DAYS": number("AUDIT_RETENTION_DAYS", 30),
    "BACKUP_DIR": plain("folder(settings.BACKUP_DIR)", "BACKUP_DIR", "/srv/sauvegardes", "/srv/sauvegardes/"),
    "BACKUP_KEEP": number("BACKUP_KEEP", 7),
    "MFA_REQUIRED_ROLES": plain("','.join(settings.MFA_REQUIRED_ROLES)", "MFA_REQUIRED_ROLES", "conseiller"),
    "MFA_TOTP_ISSUER": plain("totp_issuer()", "MFA_TOTP_ISSUER", "Ville de Montreuil", setup=True),
    "AXES_FAILURE_LIMIT,AXES_COOLOFF_MINUTES": Row(
        "[settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds() / 60]",
        (({}, DOC), ({"AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_MINUTES": "60"}, [3, 60])),
    ),
    "STATIC_ROOT": plain("folder(settings.STATIC_ROOT)", "STATIC_ROOT", "/srv/static", "/srv/static/"),
    "RETENTION_DAYS": number("RETENTION_DAYS", 365),
    "CORRECTION_WINDOW_DAYS": number("CORRECTION_WINDOW_DAYS", 7),
    "PLANNING_WEEKS": number("PLANNING_WEEKS", 4),
    "LOG_LEVEL": plain("log_level()", "LOG_LEVEL", "WARNING", setup=True),
    "LOG_FORMAT": Row(
        "log_format()",
        (({}, DOC), ({"LOG_FORMAT": "json"}, "json"), ({"LOG_FORMAT": "xml"}, Refused("LOG_FORMAT vaut"))),
        setup=True,
    ),
    "GUNICORN_BIND": plain("gunicorn()['bind'][0]", "GUNICORN_BIND", "10.0.0.5:8000"),
    "GUNICORN_WORKERS": Row(
        "gunicorn()['workers']",
        (({}, os.cpu_count() * 2 + 1), ({"GUNICORN_WORKERS": "3"}, 3)),
        doc="nombre de processeurs × 2 + 1",
    ),
    "GUNICORN_TIMEOUT": plain("gunicorn()['timeout']", "GUNICORN_TIMEOUT", "60", 60),
    "IMPORT_MAX_UPLOAD_BYTES": number("IMPORT_MAX_UPLOAD_BYTES", 1000),
    "IMPORT_MAX_ROWS": number("IMPORT_MAX_ROWS", 1000),
    "IMPORT_MAX_COLUMNS": number("IMPORT_MAX_COLUMNS", 10),
    "IMPORT_MAX_XLSX_MEMBER_BYTES": number("IMPORT_MAX_XLSX_MEMBER_BYTES", 1000),
    "IMPORT_MAX_XLSX_SHEET_BYTES": number("IMPORT_MAX_XLSX_SHEET_BYTES", 1000),
    "EMAIL_URL": Row(
        "settings.MAILERS['default']",
        (
            ({}, FILES),
            (
                {"EMAIL_URL": "smtp://relais:secret@smtp.example.org:587?tls=1"},
                smtp(port=587, username="relais", password="secret", use_tls=True),
            ),
            ({"EMAIL_URL": "smtps://smtp.example.org"}, smtp(port=465, use_ssl=True)),
            ({"EMAIL_URL": "console:"}, CONSOLE),
            (
                {"EMAIL_URL": "file:///srv/courriels"},
                {"BACKEND": FILE, "OPTIONS": {"file_path": "/srv/courriels"}},
            ),
            ({"EMAIL_URL": "anymail+brevo:"}, BREVO),
        ),
        doc="—",
    ),
    ",".join(f"EMAIL_{name}" for name in SMTP_VARIABLES): Row(
        "settings.MAILERS['default']",
        (
            ({}, FILES),
            (
                {
                    "EMAIL_HOST": "smtp.example.org",
                    "EMAIL_PORT": "2525",
                    "EMAIL_HOST_USER": "relais",
                    "EMAIL_HOST_PASSWORD": "secret",
                    "EMAIL_USE_TLS": "1",
                    "EMAIL_TIMEOUT": "5",
                },
                smtp(port=2525, username="relais", password="secret", use_tls=True, timeout=5),
            ),
            ({"EMAIL_HOST": "smtp.example.org", "EMAIL_USE_SSL": "1"}, smtp(port=465, use_ssl=True)),
            ({"EMAIL_HOST": "smtp.example.org", "EMAIL_URL": "console:"}, CONSOLE),  # sans EMAIL_URL
        ),
        doc="—",
    ),
    "EMAIL_BACKEND": Row(
        "[settings.MAILERS['default'], settings.ANYMAIL]",
        (
            ({"DEBUG": "1"}, [CONSOLE, {}]),
            ({}, [FILES, {}]),
            (
                {
                    "EMAIL_BACKEND": "anymail.backends.brevo.EmailBackend",
                    "ANYMAIL_BREVO_API_KEY": "xkeysib-1",
                },
                [{"BACKEND": "anymail.backends.brevo.EmailBackend"}, {"BREVO_API_KEY": "xkeysib-1"}],
            ),
        ),
        doc="console avec `DEBUG`, sinon fichiers sous `var/emails/`",
    ),
    "DEFAULT_FROM_EMAIL": plain(
        "settings.DEFAULT_FROM_EMAIL", "DEFAULT_FROM_EMAIL", "Ville <ville@example.org>"
    ),
    "SITE_URL": plain("settings.SITE_URL", "SITE_URL", "https://a.example.org/", "https://a.example.org"),
    "SMS_BACKEND": Row(
        "type(load('messaging.sms.sms_backend')()).__name__",
        (
            ({"DEBUG": "1"}, "ConsoleBackend"),
            ({}, "FileBackend"),
            ({"SMS_BACKEND": "brevo", "BREVO_API_KEY": "xkeysib-1"}, "BrevoBackend"),
            ({"SMS_BACKEND": "console"}, "ConsoleBackend"),
        ),
        doc="`console` avec `DEBUG`, sinon `file`",
        setup=True,
    ),
    "SMS_SENDER": plain("settings.SMS_SENDER", "SMS_SENDER", "Montreuil"),
    "SMS_FILE_PATH": plain("relative(settings.SMS_FILE_PATH)", "SMS_FILE_PATH", "/srv/sms.jsonl"),
    "BREVO_API_KEY": Row(
        "settings.BREVO_API_KEY", (({}, ""), ({"BREVO_API_KEY": "xkeysib-1"}, "xkeysib-1")), doc="—"
    ),
    "BREVO_API_URL": plain("settings.BREVO_API_URL", "BREVO_API_URL", "http://127.0.0.1:9999/v3"),
    "BREVO_TIMEOUT_SECONDS": plain("settings.BREVO_TIMEOUT_SECONDS", "BREVO_TIMEOUT_SECONDS", "2.5", 2.5),
    "BREVO_WEBHOOK_SECRET": Row(
        "settings.BREVO_WEBHOOK_SECRET", (({}, ""), ({"BREVO_WEBHOOK_SECRET": "s3cret"}, "s3cret")), doc="—"
    ),
    "SMS_QUIET_HOURS": Row(
        "quiet_hours()",
        (({}, DOC), ({"SMS_QUIET_HOURS": ""}, None), ({"SMS_QUIET_HOURS": "21:30-07:00"}, "21:30-07:00")),
        setup=True,
    ),
    "REMINDER_LEAD_HOURS": number("REMINDER_LEAD_HOURS", 48),
    "MESSAGE_MAX_ATTEMPTS": number("MESSAGE_MAX_ATTEMPTS", 3),
    "MESSAGE_RETRY_SECONDS": number("MESSAGE_RETRY_SECONDS", 30),
    "MESSAGE_SENDING_STALE_MINUTES": number("MESSAGE_SENDING_STALE_MINUTES", 5),
    "CONSENT_LINK_MAX_AGE_DAYS": number("CONSENT_LINK_MAX_AGE_DAYS", 30),
}
# Rows read where they act, by other tests.
ELSEWHERE = {
    "DEMO_PASSWORD": (
        "tests.test_seed.test_seed_demo_reads_the_password_from_the_environment",
        "tests.test_seed.test_seed_demo_generates_and_prints_a_password_once",
    ),
}
WORDS = {"activé": True, "activés": True, "désactivé": False, "vide": ""}


def configuration_table() -> dict[str, str]:
    """README's « Configuration » table: its variables (joined by commas) and their default."""
    section = (ROOT / "README.md").read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            names, default, _ = (cell.strip() for cell in line.strip().strip("|").split("|"))
            rows[",".join(re.findall(r"`([A-Z0-9_]+)`", names))] = default
    return rows


def documented(default: str, count: int):
    """The value a « Défaut » cell gives: `literal`, a number, 5, 15, activé, vide…"""
    values = [_documented(part) for part in default.split(", ")]
    if count == 1:
        (value,) = values
        return value
    return values * count if len(values) == 1 else values


def _documented(text: str):
    if text in WORDS:
        return WORDS[text]
    if literal := re.fullmatch(r"`([^`]*)`", text):
        return literal[1]
    number = re.fullmatch(r"(\d+)(?: \((\d+) Mo\))?", text)
    assert number, f"a default the test cannot read: {text!r} (give it as Row(doc=…))"
    assert number[2] is None or int(number[1]) == int(number[2]) * 1024 * 1024, text
    return int(number[1])

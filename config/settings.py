"""Settings, read from the environment (see README, "Configuration").

With nothing set, the project runs as the zero-set-up demo: DEBUG off unless
DEBUG=1, a SQLite file under var/. Production sets DATABASE_URL, SECRET_KEY and
ALLOWED_HOSTS and leaves DEBUG off.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .email_url import mailers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY doit être défini quand DEBUG est désactivé (voir README, Configuration)."
        )
    SECRET_KEY = "insecure-demo-key-only-used-with-debug"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    # The queue of background tasks (django.tasks), served by `manage.py db_worker`.
    "django_tasks_db",
    # The project, layered (docs/ARCHITECTURE.md):
    # audit <- core <- permanences <- beneficiaries <- messaging <- reporting <- demo.
    "audit",
    "core",
    "permanences",
    "beneficiaries",
    "messaging",
    "reporting",
    # Fictitious demonstration data (the seed_demo command).
    "demo",
    # Not "bench" (the benchmarks): config/test_settings.py adds it, production never has it.
]

MIDDLEWARE = [
    # Health probes first, answered before anything else (no session, no log line);
    # then the request log, which times all the rest and gives the request its id.
    "core.health.HealthCheckMiddleware",
    "core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.AlreadySubmittedMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    "core.middleware.RequireTwoFactorMiddleware",
    "audit.context.CurrentUserMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.NoStoreForUsersMiddleware",
    # Last, as django-axes asks: it turns a lockout into its French page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "core.context_processors.roles",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# DATABASE_POOLER=pgbouncer: DATABASE_URL leads to PgBouncer in transaction pooling
# mode (deploy/pgbouncer/pgbouncer.ini), where a server connection serves another
# client after each transaction, so nothing may outlive one. Server-side cursors
# (which Django keeps open across transactions in autocommit: exports'
# .iterator()) are off; the audit writer and request id are set per statement
# already (audit/db.py). PgBouncer refuses the `options` startup parameter: JIT
# is turned off by its connect_query instead.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER vaut « pgbouncer » ou rien (voir README, Configuration).")
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the bilan's aggregate queries at every call,
    # which costs more than it saves on queries of this size.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The bilan's covering indexes (reporting.Attendance) serve PostgreSQL; the
# SQLite demo creates them without their INCLUDE columns, which is harmless.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CSRF_FAILURE_VIEW = "core.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Authentication: django-allauth (username and password, then TOTP for the
# roles that must use it), django-axes against password guessing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "core.accounts.AccountAdapter"
MFA_ADAPTER = "core.accounts.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Failed logins are throttled by django-axes (below), once.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# The code step is throttled by django-axes like the password (core/forms.py).
MFA_FORMS = {"authenticate": "core.forms.ThrottledAuthenticateForm"}
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Permanences emploi")
# A code of the previous or next 30-second period is accepted too (RFC 6238's
# advice): a slow phone or a code typed at the turn of a period still works.
MFA_TOTP_TOLERANCE = 1
# Roles that must have a TOTP authenticator (staff admins must too): those who
# see case files, RQTH status (health-related data) included.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "conseiller,coordination")

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
# Locked per identifier and address, whether the account exists or not: the
# lockout page is the same for both, so it reveals nothing.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "core.accounts.attempted_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The address, read by django-ipware: behind nginx, X-Forwarded-For only (nginx
# replaces it with the client's address; REMOTE_ADDR is nginx's); otherwise the
# connection's address, and a client's X-Forwarded-For is ignored.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR" if env_bool("BEHIND_PROXY") else "REMOTE_ADDR"]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# One cache for every worker, in the database: the TOTP codes already used
# (a code is accepted once, whichever worker receives it) and rate limits.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "core_cache",
    },
    # The figures of the bilan and of the quality panel, under the data version
    # the database maintains (reporting/cached.py): a table of their own, so
    # that culling them never drops a used TOTP code.
    "reporting": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "reporting_cache",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# Background tasks (Django's Tasks framework): import previews and imports run
# in a worker process (`manage.py db_worker`, README "Production"), never in a
# web worker. The queue is a table of the database, shared by every process.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Sessions: end after 29 to 30 minutes without a request and 12 hours after login
# (SessionLifetimeMiddleware); never readable from JavaScript.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", 30 * 60))
SESSION_MAX_AGE = int(os.environ.get("SESSION_MAX_SECONDS", 12 * 3600))
SESSION_COOKIE_AGE = SESSION_MAX_AGE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers. HTTPS-only settings apply when DEBUG is off (production).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# Logs carry no personal data: no request bodies, no SQL parameters, no paths
# (a request's line names its route: core/logs.py). LOG_FORMAT=json: one JSON
# object per line (time, level, logger, message, the request's fields), for a
# log collector; text otherwise. Every line written during a request carries its id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT vaut « text » ou « json » (voir README, Configuration).")
# Behind the proxy of deploy/, its request id (X-Request-ID) is the request's.
REQUEST_ID_FROM_PROXY = env_bool("BEHIND_PROXY")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "()": "core.logs.NoMessagesInTracebacks",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "core.logs.JsonFormatter"},
    },
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "route_only": {"()": "core.logs.RouteOnlyFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "route_only"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING", "propagate": True},
        "axes": {"level": "ERROR", "propagate": True},
        # WeasyPrint narrates every step of a PDF at INFO.
        "weasyprint.progress": {"level": "WARNING", "propagate": True},
    },
}

# Domain settings.
# Files with no contact for this many days are anonymised (RGPD retention).
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", 2 * 365))
# A counsellor corrects or deletes a visit, referral or outcome they recorded for
# this many days after recording it; coordination at any time.
CORRECTION_WINDOW_DAYS = int(os.environ.get("CORRECTION_WINDOW_DAYS", 30))
# The sessions of this many coming weeks are planned from the weekly slots (plan_permanences).
PLANNING_WEEKS = int(os.environ.get("PLANNING_WEEKS", 8))
# Where `backup` writes by default, and how many of its backups it keeps there.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "var" / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", 14))
# Entries of the audit trail are kept this many days (purge_audit).
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", 365))

# Import bounds (docs/IMPORT.md): each uploaded file is checked against them
# before anything is parsed, and refused on the upload form past them.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
# Data rows of one file (the header line not counted), and cells of one row.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 200_000))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", 200))
# XLSX: decompressed size of each part read whole (shared strings above all,
# which openpyxl holds in memory), and of the worksheet, read as a stream.
IMPORT_MAX_XLSX_MEMBER_BYTES = int(os.environ.get("IMPORT_MAX_XLSX_MEMBER_BYTES", 16 * 1024 * 1024))
IMPORT_MAX_XLSX_SHEET_BYTES = int(os.environ.get("IMPORT_MAX_XLSX_SHEET_BYTES", 128 * 1024 * 1024))

# Messages to persons (messaging/, README "Messages aux personnes"). Nothing leaves the
# machine unless these are set: e-mails go to the console and SMS to the console (DEBUG)
# or nowhere but a file under var/ (otherwise) by default.
# E-mail (Django's MAILERS): EMAIL_URL (smtp://user:password@host:587?tls=1, smtp+ssl://…,
# console:, file:///path, anymail+brevo:, …), or EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL, or EMAIL_BACKEND (config/email_url.py).
MAILERS = mailers(os.environ, debug=DEBUG, base_dir=BASE_DIR)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Permanences emploi <ne-pas-repondre@localhost>")
# Any django-anymail provider, by EMAIL_BACKEND (or EMAIL_URL anymail+NAME:) and ANYMAIL_* variables.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")
}
# SMS: console (prints), file (one JSON line per SMS in SMS_FILE_PATH), brevo (Brevo's API).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console" if DEBUG else "file")
SMS_SENDER = os.environ.get("SMS_SENDER", "Permanences")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", BASE_DIR / "var" / "sms.jsonl"))
BREVO_API_KEY = os.environ.get("BREVO_API_KEY", "")
BREVO_API_URL = os.environ.get("BREVO_API_URL", "https://api.brevo.com/v3")
BREVO_TIMEOUT_SECONDS = float(os.environ.get("BREVO_TIMEOUT_SECONDS", 10))
# Brevo's delivery reports come back to /messages/rapports/brevo/ with this secret.
BREVO_WEBHOOK_SECRET = os.environ.get("BREVO_WEBHOOK_SECRET", "")
# The site's public address, for the links of the e-mails and Brevo's reports.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# No SMS between these local hours (Europe/Paris): queued ones wait for the end.
SMS_QUIET_HOURS = os.environ.get("SMS_QUIET_HOURS", "20:00-08:00")
# Reminders go this many hours before a follow-up appointment or a workshop.
REMINDER_LEAD_HOURS = int(os.environ.get("REMINDER_LEAD_HOURS", 24))
# Tries of a message on temporary provider errors before it is shown as failed.
MESSAGE_MAX_ATTEMPTS = int(os.environ.get("MESSAGE_MAX_ATTEMPTS", 5))
# First wait before a new try, doubled at each try.
MESSAGE_RETRY_SECONDS = int(os.environ.get("MESSAGE_RETRY_SECONDS", 60))
# A message still "being sent" after this many minutes: its result is unknown (failed, never resent).
MESSAGE_SENDING_STALE_MINUTES = int(os.environ.get("MESSAGE_SENDING_STALE_MINUTES", 10))
# The e-mails' withdrawal links work for this many days.
CONSENT_LINK_MAX_AGE_DAYS = int(os.environ.get("CONSENT_LINK_MAX_AGE_DAYS", 365))

"""The e-mail settings from the environment: Django 6.1's MAILERS, from `EMAIL_URL` or
the usual `EMAIL_*` variables.

Parsed by hand (a few lines) rather than with a library: `smtp://user:password@host:587`
(STARTTLS with `?tls=1` or the scheme `smtp+tls`), `smtps://…` or `smtp+ssl://…` (SSL),
`console:`, `file:///path/to/folder`, `locmem:`, `dummy:`, and `anymail+NAME:` for a
django-anymail provider (its key in `ANYMAIL_…` variables).
With nothing set, nothing leaves the machine: the console with DEBUG, else files under var/.
"""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP = "django.core.mail.backends.smtp.EmailBackend"
FILE = "django.core.mail.backends.filebased.EmailBackend"
BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": FILE,
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
TRUE = {"1", "true", "yes", "on", "oui"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


def _smtp(*, host, port, username, password, ssl, tls, timeout) -> dict:
    return {
        "BACKEND": SMTP,
        "OPTIONS": {
            "host": host,
            "port": port or (465 if ssl else 25),
            "username": username,
            "password": password,
            "use_ssl": ssl,
            "use_tls": tls and not ssl,
            "timeout": timeout,
        },
    }


def parse_email_url(url: str, *, files: Path) -> dict:
    """The default mailer of an EMAIL_URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if scheme == "file":
        return {"BACKEND": FILE, "OPTIONS": {"file_path": unquote(parts.path) or str(files)}}
    if scheme in BACKENDS:
        return {"BACKEND": BACKENDS[scheme]}
    if scheme.startswith("anymail+"):
        return {"BACKEND": f"anymail.backends.{scheme.removeprefix('anymail+')}.EmailBackend"}
    if scheme not in {"smtp", "smtps", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured(f"EMAIL_URL : schéma « {scheme} » inconnu (voir README, Configuration).")
    return _smtp(
        host=parts.hostname or "localhost",
        port=parts.port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        ssl=scheme in {"smtps", "smtp+ssl"} or _flag(query.get("ssl")),
        tls=scheme == "smtp+tls" or _flag(query.get("tls")),
        timeout=int(query.get("timeout", 30)),
    )


def mailers(environ, *, debug: bool, base_dir: Path) -> dict:
    """MAILERS: EMAIL_URL first, then the EMAIL_* variables, then nothing that leaves."""
    files = base_dir / "var" / "emails"
    if environ.get("EMAIL_URL"):
        return {"default": parse_email_url(environ["EMAIL_URL"], files=files)}
    if environ.get("EMAIL_HOST"):
        return {
            "default": _smtp(
                host=environ["EMAIL_HOST"],
                port=int(environ.get("EMAIL_PORT") or 0) or None,
                username=environ.get("EMAIL_HOST_USER", ""),
                password=environ.get("EMAIL_HOST_PASSWORD", ""),
                ssl=_flag(environ.get("EMAIL_USE_SSL")),
                tls=_flag(environ.get("EMAIL_USE_TLS")),
                timeout=int(environ.get("EMAIL_TIMEOUT", 30)),
            )
        }
    if environ.get("EMAIL_BACKEND"):
        return {"default": {"BACKEND": environ["EMAIL_BACKEND"]}}
    if debug:
        return {"default": {"BACKEND": BACKENDS["console"]}}
    return {"default": {"BACKEND": FILE, "OPTIONS": {"file_path": str(files)}}}

"""Reads the settings in a process of its own, started with a chosen environment as
production would be (tests/test_settings.py's `settings_value`):

    python -m tests.settings_probe EXPRESSION [--setup]

prints the JSON of EXPRESSION, evaluated with `settings` (django.conf's), `load`
(a dotted name's object) and the helpers below, which read the effect of a setting
where it acts. --setup: django.setup() first (apps, logging)."""

import json
import logging
import runpy
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import django
from django.conf import settings
from django.utils.module_loading import import_string as load

ROOT = Path(__file__).resolve().parent.parent


def gunicorn() -> dict:
    """gunicorn's settings, as `gunicorn --config deploy/gunicorn.conf.py` reads them."""
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def relative(path) -> str:
    """A path of the project as the README writes it (var/…); any other path whole."""
    path = Path(path)
    return str(path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path)


def folder(path) -> str:
    return relative(path) + "/"


def database_url() -> str:
    """The default database, written back as a URL."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return "sqlite:///" + relative(database["NAME"])
    scheme = database["ENGINE"].rsplit(".", 1)[1].removesuffix("ql")
    return f"{scheme}://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def totp_issuer() -> str:
    """The issuer of the TOTP address a user's authenticator app is given."""
    from allauth.mfa.adapter import get_adapter
    from django.contrib.auth.models import User

    url = get_adapter().build_totp_url(User(username="camille"), "JBSWY3DPEHPK3PXP")
    return parse_qs(urlsplit(url).query)["issuer"][0]


def deploy_warnings() -> list[str]:
    from django.core.checks import run_checks

    return [message.id for message in run_checks(include_deployment_checks=True, tags=["security"])]


def hsts() -> str:
    """The Strict-Transport-Security header of a page served in HTTPS ("" for none)."""
    from django.http import HttpResponse
    from django.middleware.security import SecurityMiddleware
    from django.test import RequestFactory

    response = SecurityMiddleware(lambda request: HttpResponse())(RequestFactory().get("/", secure=True))
    return response.get("Strict-Transport-Security", "")


def log_level() -> str:
    return logging.getLevelName(logging.getLogger().getEffectiveLevel())


def log_format() -> str:
    """`json` when a line of the logs is a JSON object, `text` otherwise."""
    (handler,) = logging.getLogger().handlers
    line = handler.format(logging.LogRecord("probe", logging.INFO, __file__, 1, "bonjour", None, None))
    try:
        json.loads(line)
    except ValueError:
        return "text"
    return "json"


def quiet_hours() -> str | None:
    """The SMS quiet hours in force (messaging/quiet.py), None for none."""
    hours = load("messaging.quiet.quiet_hours")()
    return hours and "-".join(hour.isoformat("minutes") for hour in hours)


def main(expression: str, *options: str) -> None:
    if "--setup" in options:
        django.setup()
    print(json.dumps(eval(expression, globals())))  # noqa: S307 (the tests' own expressions)


if __name__ == "__main__":
    main(*sys.argv[1:])

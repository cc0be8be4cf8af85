"""Production settings: `check --deploy` is clean, a missing SECRET_KEY stops,
and the benchmarks are installed by the test settings only."""

import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#pQ2!vX9@mZ4$wR8^tL1&nB6*cF3(hJ5)yD0_sG-eA+uN=oK",
    "ALLOWED_HOSTS": "permanences.example.org",
    "DATABASE_URL": "postgres://app:app@127.0.0.1:5432/app",
    # Without a mail server, e-mails stay on disk and `check --deploy` says so (tests/messaging).
    "EMAIL_URL": "smtp://smtp.example.org:587?tls=1",
    "SITE_URL": "https://permanences.example.org",
}


def python(*args, env):
    # Only what production would set: none of the test run's variables.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args, env):
    return python("manage.py", *args, env=env)


def test_check_deploy_has_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_production_does_not_install_the_benchmarks():
    result = python(
        "-c",
        "import django; from django.conf import settings; django.setup(); print(*settings.INSTALLED_APPS)",
        env=PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    installed = result.stdout.split()
    assert "reporting" in installed and "demo" in installed
    assert "bench" not in installed


def test_the_test_settings_install_the_benchmarks():
    assert apps.is_installed("bench")


DATABASE_OPTIONS = (
    "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d.get('DISABLE_SERVER_SIDE_CURSORS', False), d.get('OPTIONS', {}).get('options', ''))"
)


def test_database_pooler_pgbouncer_drops_server_side_cursors_and_startup_options():
    direct = python("-c", DATABASE_OPTIONS, env=PRODUCTION)
    assert direct.stdout.split("\n")[0] == "False -c jit=off", direct.stderr
    pooled = python("-c", DATABASE_OPTIONS, env={**PRODUCTION, "DATABASE_POOLER": "pgbouncer"})
    assert pooled.stdout.split("\n")[0] == "True ", pooled.stderr
    wrong = python("-c", DATABASE_OPTIONS, env={**PRODUCTION, "DATABASE_POOLER": "pgpool"})
    assert wrong.returncode != 0 and "DATABASE_POOLER" in wrong.stderr

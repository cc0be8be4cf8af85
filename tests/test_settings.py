"""Production settings: `check --deploy` is clean, a missing SECRET_KEY stops, the
benchmarks are installed by the test settings only, and every row of README's
« Configuration » table says the truth: its default when its variables are unset,
its effect when they are set (tests/configuration_rows.py)."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from .configuration_rows import DOC, ELSEWHERE, ROWS, Refused, configuration_table, documented

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


def settings_value(env, expression: str, *, setup: bool = False):
    """EXPRESSION (tests/settings_probe.py) read in a process started with `env` only."""
    result = probe(env, expression, setup=setup)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def probe(env, expression: str, *, setup: bool = False):
    return python("-m", "tests.settings_probe", expression, *(["--setup"] if setup else []), env=env)


BARE = {"SECRET_KEY": PRODUCTION["SECRET_KEY"]}  # DEBUG off, nothing else set
TABLE = configuration_table()


def test_every_row_of_the_configuration_table_has_its_test():
    assert set(TABLE) == set(ROWS) | set(ELSEWHERE)
    for tests in ELSEWHERE.values():
        for test in tests:
            module, name = test.rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module), name, None)), test


def given(env, variables) -> bool:
    return any(env.get(name) is not None for name in variables)


@pytest.mark.parametrize("names", ROWS)
def test_a_configuration_row_says_its_default_and_its_effect(names):
    row, default = ROWS[names], TABLE[names]
    variables = names.split(",")
    assert row.doc is None or row.doc == default  # its default, word for word
    unset = [env for env, _ in row.scenarios if not given(env, variables)]
    changed = [env for env, _ in row.scenarios if given(env, variables)]
    assert unset and changed  # read both ways
    for env, expected in row.scenarios:
        if expected is DOC:
            assert row.doc is None and env in unset
            expected = documented(default, len(variables))
        environment = {key: value for key, value in {**BARE, **env}.items() if value is not None}
        result = probe(environment, row.expression, setup=row.setup)
        if isinstance(expected, Refused):
            assert result.returncode != 0 and expected in result.stderr, (env, result.stderr[-500:])
        else:
            assert result.returncode == 0, (env, result.stderr[-2000:])
            assert json.loads(result.stdout) == expected, env

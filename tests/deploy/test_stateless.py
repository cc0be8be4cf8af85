"""Nothing an app server needs lives on its disk or in its memory across
requests (docs/DEPLOY.md): sessions, messages, login throttling, used
two-factor codes and rate limits, the task queue and uploaded files are in the
database; the only per-process caches hold what the code computes from its own
input, never data. The renderer of deploy/ refuses a missing or unknown key, and
the systemd units it renders pass `systemd-analyze verify`."""

import ast
import re
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from bench.servers import deploy_render

from .servers import DEPLOY, binary, render

ROOT = Path(__file__).resolve().parents[2]
APPS = ("audit", "core", "permanences", "beneficiaries", "messaging", "reporting")
# Module-level caches, each of a pure function of its arguments (or of the code).
PURE_CACHES = {
    ("beneficiaries/imports/cells.py", "parse_date_text"),  # a date written in a cell
    ("beneficiaries/imports/cells.py", "parse_time_text"),  # a time written in a cell
    ("beneficiaries/imports/cells.py", "parse"),  # a name among objects read for one import only
    ("reporting/figures.py", "_types"),  # a dataclass's type hints
    ("core/health.py", "code_migrations"),  # the migration files of the code
}
CACHE_DECORATORS = {"cache", "lru_cache"}


def test_what_lasts_across_requests_is_in_the_database():
    assert getattr(settings, "SESSION_ENGINE", "django.contrib.sessions.backends.db") == (
        "django.contrib.sessions.backends.db"
    )
    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.session.SessionStorage"
    assert {c["BACKEND"] for c in settings.CACHES.values()} == {"django.core.cache.backends.db.DatabaseCache"}
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    from config import settings as production

    assert production.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    # No model keeps a file on the disk: uploads are rows (ImportUpload).
    project_models = [m for name in APPS for m in apps.get_app_config(name).get_models()]
    files = [(m, f) for m in project_models for f in m._meta.fields if isinstance(f, models.FileField)]
    assert files == []


def decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def test_per_process_caches_hold_no_data():
    found = set()
    for name in APPS:
        for path in (ROOT / name).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    decorator_name(d) in CACHE_DECORATORS for d in node.decorator_list
                ):
                    found.add((str(path.relative_to(ROOT)), node.name))
    assert found == PURE_CACHES


def test_the_renderer_refuses_a_missing_or_unknown_key():
    text = (DEPLOY / "systemd" / "permanences-worker.service").read_text()
    assert "@APP_DIR@" not in render(text, {"APP_DIR": "/srv/permanences"})
    with pytest.raises(ValueError, match="Valeurs manquantes : APP_DIR"):
        render(text, {})
    with pytest.raises(ValueError, match="Clés absentes du fichier : APP_DRI"):
        render(text, {"APP_DIR": "/srv/permanences", "APP_DRI": "x"})
    # A line removed (one app server only): its key is no longer asked for.
    site = (DEPLOY / "nginx" / "permanences.conf").read_text()
    one = "\n".join(line for line in site.splitlines() if "server @APP_SERVER_2@" not in line)
    keys = {"SERVER_NAME", "HTTP_LISTEN", "HTTPS_LISTEN", "TLS_CERTIFICATE", "TLS_CERTIFICATE_KEY"}
    values = dict.fromkeys(keys, "x") | {"APP_SERVER_1": "127.0.0.1:8000", "LOG_DIR": "/var/log"}
    rendered = render(one, values)
    assert "server 127.0.0.1:8000 max_fails=1" in rendered and "@APP_SERVER" not in rendered


@pytest.mark.parametrize("keys", [[], ["APP_DIR=/srv/permanences", "APP_DRI=x"]])
def test_the_renderer_refusing_a_key_writes_nothing_and_fails(keys, capsys):
    assert deploy_render.main([str(DEPLOY / "systemd" / "permanences-worker.service"), *keys]) == 1
    out, err = capsys.readouterr()
    assert out == "" and ("Valeurs manquantes" in err or "Clés absentes" in err)


def test_the_documentation_renders_to_a_temporary_file_moved_once_rendered():
    """`> /etc/…` would empty the target before the renderer refuses: never shown so."""
    deploy = (ROOT / "docs" / "DEPLOY.md").read_text()
    commands = re.findall(r"deploy_render\.py [^`]*?(?=\n\s*```)", deploy, re.DOTALL)
    assert commands
    for command in commands:
        target = re.search(r"> (\S+)", command)[1]
        assert target.endswith(".new") and f"&& mv {target} {target.removesuffix('.new')}" in command
    for doc in (deploy, (ROOT / "README.md").read_text()):
        assert not re.search(r"> */etc/(systemd|nginx|pgbouncer/pgbouncer\.ini)\S*(?<!\.new)\s", doc)


# The scheduled ones: each service and its timer.
SCHEDULED = ("permanences-messages", "permanences-daily", "permanences-backup", "permanences-imports")
UNITS = (
    "permanences-gunicorn.service",
    "permanences-worker.service",
    *(f"{name}.{kind}" for name in SCHEDULED for kind in ("service", "timer")),
)


def test_every_unit_of_deploy_is_verified():
    assert sorted(path.name for path in (DEPLOY / "systemd").iterdir()) == sorted(UNITS)


@pytest.mark.parametrize("unit", UNITS)
def test_the_systemd_units_pass_systemd_analyze(unit, tmp_path):
    analyze = binary("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze absent : les unités ne sont pas vérifiées ici")
    # All rendered side by side: a timer is verified with the service it starts.
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        values = {"APP_DIR": str(ROOT)} if "@APP_DIR@" in text else {}
        (tmp_path / name).write_text(render(text, values))
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


def test_the_messages_timer_runs_every_15_minutes_as_the_cron_line_says():
    """The timer of the units and the cron line of the README and docs/DEPLOY.md: the same times."""
    timer = (DEPLOY / "systemd" / "permanences-messages.timer").read_text()
    assert "OnCalendar=*:0/15\n" in timer and "Unit=permanences-messages.service" in timer
    # The .env loaded first: cron gives manage.py no environment (tests/test_documented_commands.py runs it).
    cron = (
        "*/15 * * * * cd /srv/permanences && set -a && . ./.env && set +a && "
        ".venv/bin/python manage.py queue_messages"
    )
    for doc in ("README.md", "docs/DEPLOY.md"):
        text = (ROOT / doc).read_text()
        assert cron in text, doc
        assert "deploy/systemd/permanences-messages.timer" in text, doc
        assert "OnCalendar" not in text, f"{doc} : copie de l'unité au lieu de la référence"


# The README's words for a time, and the timer's OnCalendar for it.
WHEN = {
    "chaque nuit, à 3 h": "*-*-* 03:00",
    "chaque nuit, à 2 h": "*-*-* 02:00",
    "chaque heure": "hourly",
    "toutes les 15 minutes": "*:0/15",
}


def scheduled_in_units() -> dict[str, str]:
    """Each command the timers start (`manage.py …` and its options) -> its timer's OnCalendar."""
    found = {}
    for name in SCHEDULED:
        service = (DEPLOY / "systemd" / f"{name}.service").read_text()
        timer = (DEPLOY / "systemd" / f"{name}.timer").read_text()
        (calendar,) = [line.split("=", 1)[1] for line in timer.splitlines() if line.startswith("OnCalendar=")]
        assert f"Unit={name}.service" in timer
        for line in service.splitlines():
            if line.startswith("ExecStart="):
                found[line.split(" manage.py ", 1)[1]] = calendar
    return found


def test_the_timers_run_every_command_the_readme_schedules_at_the_time_it_says():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("\nÀ planifier en production", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    listed = {}
    for line in block.splitlines():
        command, when = line.split("#", 1)
        command = command.strip().removeprefix(".venv/bin/python manage.py ")
        (words,) = [words for words in WHEN if when.strip().startswith(words)]
        listed[command] = WHEN[words]
    assert len(listed) == 7
    assert scheduled_in_units() == listed

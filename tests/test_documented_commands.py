"""The commands README.md and docs/DEPLOY.md tell to type, run as written in a
shell whose environment holds nothing the documentation does not set: the
demo's code of the moment, manage.py by hand and from cron with the .env,
the demo password script and the renderer of deploy/."""

import io
import os
import re
import secrets
import stat
import subprocess
import textwrap
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary, Visit, Workshop
from demo.accounts import ensure_accounts, ensure_second_factor
from permanences.models import Permanence, Quarter

from .deploy.servers import database_url
from .factories import DEMO_PASSWORD, make_person

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DEPLOY = (ROOT / "docs" / "DEPLOY.md").read_text()
APP_DIR = "/srv/permanences"


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`command` in sh, with PATH, HOME and `env` only (no SECRET_KEY, no DEBUG)."""
    clean = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env}
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=clean, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.django_db(transaction=True)
def test_the_documented_demo_totp_line_prints_the_code_in_a_fresh_shell(reference_data):
    [line] = re.findall(r"`([^`]*manage\.py demo_totp conseillere)`", README)
    assert line == "DEBUG=1 .venv/bin/python manage.py demo_totp conseillere"
    # seed_demo prints the same line.
    assert f"« {line} »" in (ROOT / "demo" / "management" / "commands" / "seed_demo.py").read_text()
    for user in ensure_accounts(DEMO_PASSWORD):
        ensure_second_factor(user)
    # The demo's base is the default SQLite file; here the test database stands for it.
    done = shell(line, ROOT, DATABASE_URL=database_url())
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"\d{6}\n", done.stdout)


def block_after(text: str, marker: str, fence: str = "```bash\n") -> str:
    """The first code block after `marker`, out of its list item's indentation."""
    return textwrap.dedent(text.split(marker, 1)[1].split(fence, 1)[1].split("```", 1)[0]).strip() + "\n"


def app_dir(tmp_path: Path, env: str) -> Path:
    """A stand-in for /srv/permanences: this checkout's code and .venv, and a .env."""
    app = tmp_path / "app"
    app.mkdir()
    for name in (".venv", "manage.py"):
        (app / name).symlink_to(ROOT / name)
    (app / ".env").write_text(env)
    return app


def deploy_env(tmp_path: Path) -> str:
    """The .env of docs/DEPLOY.md, with the test database, a real key and a static folder."""
    example = block_after(DEPLOY, "lu par les unités :", "```ini\n")
    lines = []
    for line in example.strip().splitlines():
        key = line.strip().split("=", 1)[0]
        # A key with what the shell would interpret, quoted as DEPLOY.md says.
        key_value = f"'$x&(y) {secrets.token_urlsafe(50)}'"
        value = {"DATABASE_URL": database_url(), "SECRET_KEY": key_value}.get(key)
        lines.append(f"{key}={value}" if value else line.strip())
    return "\n".join([*lines, f"STATIC_ROOT={tmp_path / 'static'}", ""])


@pytest.mark.django_db(transaction=True)
def test_manage_py_by_hand_with_the_env_of_deploy_runs_and_passes_the_deploy_check(tmp_path):
    block = block_after(DEPLOY, "le shell le charge d'abord")
    assert block.startswith(f"cd {APP_DIR}\nset -a && . ./.env && set +a\n")
    app = app_dir(tmp_path, deploy_env(tmp_path))
    done = shell("set -e\n" + block.replace(APP_DIR, str(app)), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert (tmp_path / "static" / "staticfiles.json").is_file()


CRON = re.compile(r"^\*/15 \* \* \* \* (cd /srv/permanences && .*)$", re.MULTILINE)
ENV_LOADING = "cd /srv/permanences && set -a && . ./.env && set +a && "


@pytest.mark.django_db(transaction=True)
def test_the_cron_line_loads_the_env_and_runs_without_it_it_stops(tmp_path):
    [command] = set(CRON.findall(README)) | set(CRON.findall(DEPLOY))
    assert command == ENV_LOADING + ".venv/bin/python manage.py queue_messages"
    # The README puts the same words before each command of its scheduled list.
    assert f"`{ENV_LOADING}`" in README
    env = f"DATABASE_URL={database_url()}\nSECRET_KEY=cron-test-key\nSMS_FILE_PATH={tmp_path / 'sms'}\n"
    app = app_dir(tmp_path, env)
    done = shell(command.replace(APP_DIR, str(app)), tmp_path)
    assert done.returncode == 0, done.stderr
    # What the documentation warns of: without the .env, the run stops on SECRET_KEY.
    bare = shell(command.replace(APP_DIR, str(app)).replace("set -a && . ./.env && set +a && ", ""), tmp_path)
    assert bare.returncode != 0 and "SECRET_KEY" in bare.stderr


def demo_password(folder: Path, **env: str) -> tuple[str, int]:
    done = shell(str(ROOT / "scripts" / "demo-password.sh"), folder, **env)
    assert done.returncode == 0, done.stderr
    kept = folder / "var" / "demo-password"
    assert kept.read_text() == done.stdout
    return done.stdout, stat.S_IMODE(kept.stat().st_mode)


def test_the_demo_password_is_generated_once_kept_and_readable_by_its_owner_only(tmp_path):
    first, mode = demo_password(tmp_path)
    assert len(first) >= 12 and mode == 0o600
    assert demo_password(tmp_path) == (first, 0o600)
    assert demo_password(tmp_path, DEMO_PASSWORD="choisi-par-moi-42") == ("choisi-par-moi-42", 0o600)
    assert "DEMO_PASSWORD" in README and "var/demo-password" in README


def password_opens(username: str, password: str) -> bool:
    response = Client().post(reverse("login"), {"login": username, "password": password})
    return response.status_code == 302


@pytest.mark.django_db
def test_seed_demo_on_a_base_with_files_adds_none_but_sets_the_accounts_and_plans():
    """README: seed_demo adds no file to a base that has one, yet creates the accounts (admin a
    superuser) with the demo password and their second factor, and plans the coming weeks."""
    person = make_person()
    out = io.StringIO()
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=out)
    assert list(Beneficiary.objects.all()) == [person]
    assert not Visit.objects.exists() and not Workshop.objects.exists()
    assert "aucun dossier de démonstration n'a été ajouté" in out.getvalue()
    assert "rien n'a été modifié" not in out.getvalue()
    assert get_user_model().objects.get(username="admin").is_superuser
    assert re.search(r"admin\s+clé TOTP : \w+", out.getvalue())
    assert password_opens("conseillere", DEMO_PASSWORD)
    assert Quarter.objects.count() == 6 and Permanence.objects.filter(date__gte=timezone.localdate()).exists()
    # An account whose password was changed gets the demo password back.
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("un-autre-mot-de-passe-42")
    admin.save()
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
    assert password_opens("admin", DEMO_PASSWORD)


TRUSTED_DB = "pg_trgm_by_its_owner_test"


@pytest.mark.django_db(transaction=True)
def test_the_owner_of_the_base_creates_pg_trgm_without_being_superuser():
    """README: the migration creates pg_trgm, which the base's owner may do (a trusted extension)."""
    migration = ROOT / "beneficiaries" / "migrations" / "0003_search_trigram_index.py"
    assert 'schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")' in migration.read_text()
    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        # scripts/with-postgres.sh gives the tests a role that is not superuser, as in production.
        assert cursor.fetchone() == (False,), "le rôle des tests ne doit pas être superutilisateur"
        cursor.execute(f"DROP DATABASE IF EXISTS {TRUSTED_DB}")
        cursor.execute(f"CREATE DATABASE {TRUSTED_DB} TEMPLATE template0")  # no extension at all
    try:
        params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
        with psycopg.connect(dbname=TRUSTED_DB, **params) as owner:
            owner.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            assert owner.execute("SELECT similarity('Martin', 'Martine') > 0.5").fetchone() == (True,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {TRUSTED_DB} WITH (FORCE)")
    # The commands of the README and of docs/DEPLOY.md give the base to that role.
    for doc in (README, DEPLOY):
        assert "sudo -u postgres createdb --owner permanences permanences" in doc
        assert "sudo -u postgres createuser --pwprompt permanences" in doc
        assert "unaccent" not in doc


def test_make_run_starts_the_three_processes_the_readme_names():
    run = (ROOT / "Makefile").read_text().split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert all(command in run for command in ("db_worker", "queue_messages", "sleep 900", "runserver"))
    assert "kill $$worker $$queuer" in run
    assert "toutes les 15 minutes (Ctrl-C arrête les trois)" in README


def test_the_screenshots_are_taken_at_the_three_widths_the_readme_names():
    from tests.browser.a11y import VIEWPORTS

    assert set(VIEWPORTS) == {"phone", "tablet", "desktop"}
    assert "largeur d'un téléphone, d'une tablette et d'un ordinateur" in README

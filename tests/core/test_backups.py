"""backup and restore: a PostgreSQL dump restored into a fresh database holds
the same rows and gives the same bilan."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from beneficiaries.models import Beneficiary
from core.backups import restore

from ..factories import DEMO_PASSWORD, make_permanence, make_person, make_visit

ROOT = Path(__file__).resolve().parents[2]
FRESH = "restored_backup_test"

CONTENT = """
import json, django
django.setup()
from django.apps import apps
from reporting.bilan import compute_bilan
rows = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
print(json.dumps({"rows": rows, "bilans": {y: compute_bilan(y).as_dict() for y in range(2019, %d)}}))
"""


def content(database_name):
    """Row counts of every table and the bilan of every year, read by a separate process."""
    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT']}/{database_name}"
    )
    result = subprocess.run(
        [sys.executable, "-c", CONTENT % (timezone.localdate().year + 1)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def fresh_database(reference_data):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {FRESH}")
        cursor.execute(f"CREATE DATABASE {FRESH}")
    yield {**connection.settings_dict, "NAME": FRESH}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {FRESH} WITH (FORCE)")


@pytest.mark.django_db(transaction=True)
def test_backup_restored_into_a_fresh_database_has_the_same_rows_and_bilan(tmp_path, fresh_database):
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
    dump = tmp_path / "sauvegarde.dump"
    out = io.StringIO()
    call_command("backup", str(dump), stdout=out)
    assert dump.is_file() and oct(dump.stat().st_mode)[-3:] == "600"

    restore(dump, fresh_database)
    restored, original = content(FRESH), content(connection.settings_dict["NAME"])
    assert restored["rows"]["beneficiaries.Visit"] > 1000
    assert restored == original
    # README: the dump holds the triggers of the audit and of the attendance table.
    restored_triggers = triggers(fresh_database)
    assert restored_triggers == triggers(connection.settings_dict)
    assert any(name.startswith("audit_") for name in restored_triggers)
    assert any(name.startswith("reporting_attendance_") for name in restored_triggers)


def rows() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed and not m._meta.proxy
    }


@pytest.mark.django_db(transaction=True)
def test_restore_replaces_all_the_content_of_a_database_with_other_rows(
    tmp_path, reference_data, venue, today
):
    """README: `restore FICHIER --yes` replaces the whole content of the base."""
    kept = make_person("Martin", "Élodie")
    make_visit(kept, make_permanence(venue, today))
    dump = tmp_path / "sauvegarde.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    saved = rows()
    make_visit(make_person("Durand", "Paul"), make_permanence(venue, today, start="14:00", end="17:00"))
    Beneficiary.objects.filter(pk=kept.pk).update(last_name="Bernard")
    assert rows() != saved
    out = io.StringIO()
    call_command("restore", str(dump), yes=True, stdout=out)
    assert rows() == saved
    assert list(Beneficiary.objects.values_list("pk", "last_name")) == [(kept.pk, "Martin")]
    assert out.getvalue() == f"Base restaurée depuis {dump}.\n"


def triggers(database) -> set[str]:
    """The names of the triggers the migrations created in `database`."""
    params = {"dbname": database["NAME"], "user": database["USER"], "password": database["PASSWORD"]}
    with psycopg.connect(host=database["HOST"], port=database["PORT"], **params) as db:
        return {name for (name,) in db.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}


def test_restore_asks_for_confirmation(tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.dump"))


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("restore", str(tmp_path / "absent.dump"), yes=True)


def test_sqlite_backup_is_a_consistent_copy_and_restores(tmp_path):
    import sqlite3
    from contextlib import closing

    from core.backups import backup

    live = tmp_path / "demo.sqlite3"
    with closing(sqlite3.connect(live)) as db, db:
        db.execute("CREATE TABLE t (x INTEGER)")
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)}
    dump = backup(tmp_path / "copie.sqlite3", settings)
    with closing(sqlite3.connect(live)) as db, db:
        db.execute("DELETE FROM t")
    restore(dump, settings)
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("SELECT count(*), sum(x) FROM t").fetchone() == (100, 4950)


@pytest.mark.django_db
def test_backups_in_the_backup_folder_are_rotated(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 3
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    old = [tmp_path / f"permanences-2020010{day}-030000.dump" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"old")
    out = io.StringIO()
    call_command("backup", stdout=out)
    kept = sorted(path.name for path in tmp_path.glob("permanences-*.dump"))
    assert len(kept) == 3
    # The new one and the two newest of the old ones; other files stay.
    assert kept[:2] == ["permanences-20200104-030000.dump", "permanences-20200105-030000.dump"]
    assert kept[2].startswith(f"permanences-{timezone.localdate():%Y%m%d}")
    assert other.exists()
    assert "3 sauvegarde(s) plus ancienne(s) supprimée(s)" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("keep", [0, -1])
def test_a_backup_refuses_to_keep_fewer_than_one(tmp_path, settings, keep):
    """README: BACKUP_KEEP is at least 1; the command says so and writes nothing."""
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = keep
    old = tmp_path / "permanences-20200101-030000.dump"
    old.write_bytes(b"old")
    with pytest.raises(CommandError, match=f"BACKUP_KEEP vaut {keep} : indiquez au moins 1"):
        call_command("backup", stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == [old]
    readme = (ROOT / "README.md").read_text()
    assert "au moins 1 : `backup` refuse 0" in readme


@pytest.mark.django_db
def test_a_backup_to_a_named_file_rotates_nothing(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 1
    for day in range(1, 4):
        (tmp_path / f"permanences-2020010{day}-030000.dump").write_bytes(b"old")
    call_command("backup", str(tmp_path / "ailleurs.dump"), stdout=io.StringIO())
    assert len(list(tmp_path.glob("permanences-*.dump"))) == 3


@pytest.mark.django_db
def test_a_backup_without_pg_dump_names_the_package_to_install(tmp_path, monkeypatch):
    """docs/DEPLOY.md: the backup host needs the postgresql-client package."""
    monkeypatch.setattr("core.backups.shutil.which", lambda name: None)
    monkeypatch.setattr("core.backups.glob.glob", lambda pattern: [])
    with pytest.raises(CommandError, match="installez le paquet postgresql-client"):
        call_command("backup", str(tmp_path / "x.dump"), stdout=io.StringIO())
    deploy = (ROOT / "docs" / "DEPLOY.md").read_text()
    assert "le paquet `postgresql-client`" in deploy

"""Backups of the whole database: pg_dump / pg_restore on PostgreSQL, a
consistent copy (SQLite's online backup API) on SQLite.

Both take a Django database settings dict (`connections[alias].settings_dict`),
so that a backup can be restored into another database than the running one.
Backups written to the backup folder under their default name are rotated:
the newest `BACKUP_KEEP` stay.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

import psycopg


class BackupError(Exception):
    pass


def _vendor(database: dict) -> str:
    engine = database["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Base {engine} non prise en charge.")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} est introuvable : installez le paquet postgresql-client.")


def _pg_args(database: dict) -> tuple[list[str], dict]:
    args = ["--dbname", database["NAME"]]
    if database.get("HOST"):
        args += ["--host", database["HOST"]]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", database["USER"]]
    return args, {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}


def _run(command: list[str], env: dict) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            result.stderr.strip() or f"{Path(command[0]).name} a échoué (code {result.returncode})."
        )
    return result.stdout


def backup(path: Path, database: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor(database) == "postgresql":
        args, env = _pg_args(database)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *args], env)
    else:
        with closing(sqlite3.connect(database["NAME"])) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
    path.chmod(0o600)
    return path


PREFIX = "permanences-"
SUFFIX = ".dump"


def default_path(folder: Path, moment) -> Path:
    """permanences-AAAAMMJJ-HHMMSS.dump: names that sort by date."""
    return folder / f"{PREFIX}{moment:%Y%m%d-%H%M%S}{SUFFIX}"


def rotate(folder: Path, *, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups of `folder` named by `default_path`;
    return the deleted ones. Other files of the folder are left alone."""
    backups = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), key=lambda path: path.name, reverse=True)
    removed = backups[max(keep, 1) :]
    for path in removed:
        path.unlink()
    return removed


def restore(path: Path, database: dict) -> None:
    """Replace the database's whole content with the backup's."""
    if not path.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {path}")
    if _vendor(database) == "sqlite":
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(database["NAME"])) as target:
            source.backup(target)
        return
    args, env = _pg_args(database)
    # Extensions belong to the database owner, not to the application's role:
    # leave them out of the restore (no DROP of what the role does not own) and
    # create the trusted pg_trgm that the search indexes need.
    with psycopg.connect(
        dbname=database["NAME"],
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    ) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    listing = _run([_tool("pg_restore"), "--list", str(path)], env)
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as entries:
        entries.write("\n".join(line for line in listing.splitlines() if " EXTENSION " not in line))
        entries.flush()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--use-list",
                entries.name,
                *args,
                str(path),
            ],
            env,
        )

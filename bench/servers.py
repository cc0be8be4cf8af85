"""Servers of deploy/ started from their files, for the load benchmark and the
tests of tests/deploy/: a process in its own group, and PgBouncer with
deploy/pgbouncer/pgbouncer.ini in front of the database of the settings.

Each file of deploy/ is rendered by `render` of scripts/deploy_render.py (the
operator's tool, docs/DEPLOY.md) with a few keys: ports and directories.
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
_spec = importlib.util.spec_from_file_location("deploy_render", ROOT / "scripts" / "deploy_render.py")
deploy_render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy_render)
render = deploy_render.render


def binary(name: str) -> str | None:
    """The Debian package's binary (in /usr/sbin, often outside a user's PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: still not true after {timeout} s")


class Process:
    """A server in its own process group (killed with all its children), its output in a log file."""

    def __init__(self, name: str, log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self.process = None

    def spawn(self, command: list[str], *, cwd: Path, env: dict | None = None) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group, as a machine lost would do: nothing cleans up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # children a killed master left behind
                os.killpg(self.process.pid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class PgBouncer(Process):
    """PgBouncer with deploy/pgbouncer/pgbouncer.ini in front of the database of the settings.

    PgBouncer refuses to run as root: as root, it runs as `postgres` (`-u`),
    in a directory of its own that it can read."""

    def __init__(self, log_dir: Path):
        super().__init__("pgbouncer", log_dir)
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer."))
        self.port = free_port()
        database = settings.DATABASES["default"]
        auth_file = self.dir / "userlist.txt"
        auth_file.write_text(userlist(database["USER"], database["PASSWORD"]))
        ini = render(
            (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text(),
            {
                "DB_NAME": database["NAME"],
                "DB_HOST": database["HOST"],
                "DB_PORT": str(database["PORT"]),
                "LISTEN_ADDR": "127.0.0.1",
                "LISTEN_PORT": str(self.port),
                "SOCKET_DIR": str(self.dir),
                "AUTH_FILE": str(auth_file),
                "LOG_FILE": str(self.dir / "pgbouncer.log"),
                "PID_FILE": str(self.dir / "pgbouncer.pid"),
            },
        )
        self.ini = self.dir / "pgbouncer.ini"
        self.ini.write_text(ini)
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.dir, *self.dir.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.as_user = ["-u", "postgres"]

    def start(self) -> "PgBouncer":
        self.spawn([binary("pgbouncer"), *self.as_user, str(self.ini)], cwd=self.dir)
        wait_until(lambda: listening(self.port) or not self.alive(), timeout=30, what="PgBouncer listening")
        if not self.alive():
            raise RuntimeError(self.output() + self.own_log())
        return self

    def database_url(self) -> str:
        """The database of the settings, through this PgBouncer."""
        database = settings.DATABASES["default"]
        return (
            f"postgres://{database['USER']}:{database['PASSWORD']}@127.0.0.1:{self.port}/{database['NAME']}"
        )

    def client_params(self, **extra) -> dict:
        """psycopg.connect() arguments to the database through this PgBouncer."""
        database = settings.DATABASES["default"]
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "dbname": database["NAME"],
            "user": database["USER"],
            "password": database["PASSWORD"],
            **extra,
        }

    def own_log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def userlist(user: str, password: str) -> str:
    """PgBouncer's users file, made by deploy/pgbouncer/userlist.sql as a superuser (the
    throwaway cluster's `postgres`); where the database is not ours to read
    pg_authid from (DATABASE_URL given), the password in clear, which PgBouncer accepts too."""
    database = settings.DATABASES["default"]
    psql = [
        binary("psql") or "psql",
        "-h",
        database["HOST"],
        "-p",
        str(database["PORT"]),
        "-U",
        "postgres",
        "-d",
        database["NAME"],
        "-At",
        "-v",
        f"role={user}",
        "-f",
        str(DEPLOY / "pgbouncer" / "userlist.sql"),
    ]
    done = subprocess.run(  # noqa: S603
        psql, capture_output=True, text=True, timeout=30, env={**os.environ, "PGCONNECT_TIMEOUT": "5"}
    )
    if done.returncode == 0 and done.stdout.startswith(f'"{user}" "SCRAM-SHA-256$'):
        return done.stdout
    return f'"{user}" "{password}"\n'


def established_to(port: int) -> int | None:
    """TCP connections established to 127.0.0.1:`port` on this machine (Linux's
    /proc/net/tcp), the listening side's own left out; None where it cannot be read."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    wanted = f"{port:04X}"
    count = 0
    for line in lines:
        local, remote, state = line.split()[1:4]
        if state == "01" and remote.endswith(f":{wanted}") and not local.endswith(f":{wanted}"):
            count += 1
    return count

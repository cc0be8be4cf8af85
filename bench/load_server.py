"""The server under load: gunicorn with N sync workers on a free port, serving
`bench/wsgi.py`; and the number of PostgreSQL connections while it runs."""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from .db import BenchmarkError, fetch_one
from .servers import free_port
from .urls import BARE_PATH

STARTUP_SECONDS = 60


def default_workers() -> int:
    """Gunicorn's advice: two workers per processor, plus one."""
    return (os.cpu_count() or 1) * 2 + 1


def database_url() -> str:
    """The URL of the database this command runs on (in a test: the test database)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def pg_connections() -> int:
    """Client connections to this database, this one left out."""
    [count] = fetch_one(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    return count


class Gunicorn:
    """`with Gunicorn(workers, database_url) as server:` a started server, stopped on exit;
    `environment`: more variables for it (DATABASE_POOLER)."""

    def __init__(self, *, workers: int, database_url: str, **environment: str):
        self.workers, self.database_url, self.environment = workers, database_url, environment
        self.host, self.port = "127.0.0.1", free_port()
        self.log = Path(tempfile.mkstemp(prefix="bench-load-gunicorn-", suffix=".log")[1])
        self.read_to = 0

    def __enter__(self) -> "Gunicorn":
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.test_settings"),
            # The request log in JSON, read back by request_queries().
            "LOG_FORMAT": "json",
            **self.environment,
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.wsgi:application",
            f"--workers={self.workers}",
            f"--bind={self.host}:{self.port}",
            f"--chdir={settings.BASE_DIR}",
            "--log-level=warning",
            "--timeout=60",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        url = f"http://{self.host}:{self.port}/{BARE_PATH}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise BenchmarkError(f"gunicorn n'a pas démarré :\n{self.log_tail()}")

    def request_queries(self) -> dict[str, int]:
        """The SQL statements each request logged since the last call sent, by request
        id: the `queries` of the request log (core/logs.py)."""
        with self.log.open("rb") as log:
            log.seek(self.read_to)
            written = log.read()
        whole = written[: written.rfind(b"\n") + 1]
        self.read_to += len(whole)
        found = {}
        for line in whole.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:  # gunicorn's own lines
                continue
            if isinstance(entry, dict) and "queries" in entry and "request_id" in entry:
                found[entry["request_id"]] = entry["queries"]
        return found

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink(missing_ok=True)

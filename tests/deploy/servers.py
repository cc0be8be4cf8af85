"""The servers of deploy/, started from their files for the tests of tests/deploy/.

Each file of deploy/ is rendered by `render` of scripts/deploy_render.py (the
operator's tool, docs/DEPLOY.md) with a few keys: the ports, the directories
and the app server addresses of the test. Nothing else is changed:

- gunicorn: the `ExecStart` and `WorkingDirectory` of
  deploy/systemd/permanences-gunicorn.service (APP_DIR = this checkout), which
  read deploy/gunicorn.conf.py; GUNICORN_BIND and GUNICORN_WORKERS from the
  environment, as the unit's EnvironmentFile gives them;
- the task worker: the same for deploy/systemd/permanences-worker.service;
- nginx: deploy/nginx/permanences.conf, included in the `http {}` block of a
  minimal main file written here (pid, temporary directories: what Debian's
  /etc/nginx/nginx.conf holds), with a self-signed certificate;
- PgBouncer: deploy/pgbouncer/pgbouncer.ini, its users file made by
  deploy/pgbouncer/userlist.sql.

The app servers run the test settings (fast password hasher, static files
without a manifest), with HTTPS and BEHIND_PROXY on, as behind nginx in
production, on the test database.
"""

import contextlib
import datetime
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
_spec = importlib.util.spec_from_file_location("deploy_render", ROOT / "scripts" / "deploy_render.py")
deploy_render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy_render)
render = deploy_render.render
SECRET_KEY = "deploy-test-secret-key-shared-by-every-app-server-0123456789"


def binary(name: str) -> str | None:
    """The Debian package's binary (in /usr/sbin, often outside a user's PATH)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: still not true after {timeout} s")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The test database, directly or through another host and port (PgBouncer)."""
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{host or database['HOST']}:"
        f"{port or database['PORT']}/{database['NAME']}"
    )


def unit_service(name: str) -> tuple[list[str], Path]:
    """(ExecStart as a command, WorkingDirectory) of deploy/systemd/`name`, with APP_DIR this checkout."""
    text = render((DEPLOY / "systemd" / name).read_text(), {"APP_DIR": str(ROOT)})
    entries = dict(re.findall(r"^(ExecStart|WorkingDirectory)=(.+)$", text, flags=re.MULTILINE))
    command = shlex.split(entries["ExecStart"])
    # The checkout's .venv is a link to a shared one: its python, as the unit's, runs the same code.
    return command, Path(entries["WorkingDirectory"])


def app_environment(**extra) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "1",
        "BEHIND_PROXY": "1",
        "DATABASE_URL": database_url(),
        "LOG_FORMAT": "text",
        **extra,
    }


class Process:
    """A server in its own process group (killed with all its children), its output in a log file."""

    def __init__(self, name: str, log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self.process = None

    def spawn(self, command: list[str], *, cwd: Path, env: dict | None = None) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
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


class Gunicorn(Process):
    """An app server, started by the ExecStart of deploy/systemd/permanences-gunicorn.service."""

    def __init__(self, name: str, log_dir: Path, *, workers: int = 2, **environment):
        super().__init__(name, log_dir)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.environment = {"GUNICORN_WORKERS": str(workers), **environment}

    def start(self) -> "Gunicorn":
        command, cwd = unit_service("permanences-gunicorn.service")
        env = app_environment(GUNICORN_BIND=self.address, **self.environment)
        self.spawn(command, cwd=cwd, env=env)
        wait_until(
            lambda: listening(self.port) or not self.alive(), timeout=60, what=f"{self.name} listening"
        )
        assert self.alive(), self.output()
        return self

    def request_ids(self) -> set[str]:
        """The request ids of the lines this server logged (core/logs.py)."""
        return set(re.findall(r" request=([0-9a-f]{32})", self.output()))


class Worker(Process):
    """The task worker, started by the ExecStart of deploy/systemd/permanences-worker.service."""

    def start(self, **environment) -> "Worker":
        command, cwd = unit_service("permanences-worker.service")
        self.spawn(command, cwd=cwd, env=app_environment(**environment))
        return self


def tls_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "tls.crt", directory / "tls.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key_file


# What Debian's /etc/nginx/nginx.conf gives around the site files (sites-enabled/).
NGINX_MAIN = """
{user}
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {site};
}}
"""


class Nginx(Process):
    """nginx with deploy/nginx/permanences.conf over the given app servers."""

    def __init__(self, log_dir: Path, app_servers: list[str]):
        super().__init__("nginx", log_dir)
        self.dir = log_dir / "nginx"
        self.dir.mkdir()
        self.https_port, self.http_port = free_port(), free_port()
        cert, key = tls_certificate(self.dir)
        site = render(
            (DEPLOY / "nginx" / "permanences.conf").read_text(),
            {
                "SERVER_NAME": "127.0.0.1",
                "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
                "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
                "TLS_CERTIFICATE": str(cert),
                "TLS_CERTIFICATE_KEY": str(key),
                "APP_SERVER_1": app_servers[0],
                "APP_SERVER_2": app_servers[1],
                "LOG_DIR": str(self.dir),
            },
        )
        (self.dir / "permanences.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""
        main = NGINX_MAIN.format(user=user, dir=self.dir, site=self.dir / "permanences.conf")
        self.main = self.dir / "nginx.conf"
        self.main.write_text(main)

    def start(self) -> "Nginx":
        command = [
            binary("nginx"),
            "-c",
            str(self.main),
            "-p",
            str(self.dir),
            "-e",
            str(self.dir / "error.log"),
        ]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.spawn(command, cwd=self.dir)
        wait_until(lambda: listening(self.https_port), timeout=30, what="nginx listening")
        return self

    def access_log(self) -> str:
        path = self.dir / "permanences.access.log"
        return path.read_text() if path.exists() else ""


class PgBouncer(Process):
    """PgBouncer with deploy/pgbouncer/pgbouncer.ini in front of the test database.

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
        assert self.alive(), self.output() + self.own_log()
        return self

    def client_params(self, **extra) -> dict:
        """psycopg.connect() arguments to the test database through this PgBouncer."""
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
    throwaway cluster's `postgres`); where the test database is not ours to read
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
    done = subprocess.run(
        psql, capture_output=True, text=True, timeout=30, env={**os.environ, "PGCONNECT_TIMEOUT": "5"}
    )
    if done.returncode == 0 and done.stdout.startswith(f'"{user}" "SCRAM-SHA-256$'):
        return done.stdout
    return f'"{user}" "{password}"\n'

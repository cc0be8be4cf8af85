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
- PgBouncer (bench/servers.py, which the load benchmark starts too):
  deploy/pgbouncer/pgbouncer.ini, its users file made by
  deploy/pgbouncer/userlist.sql.

The app servers run the test settings (fast password hasher, static files
without a manifest), with HTTPS and BEHIND_PROXY on, as behind nginx in
production, on the test database.
"""

import datetime
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from bench.servers import (  # noqa: F401 (the tests of tests/deploy/ import them from here)
    DEPLOY,
    ROOT,
    PgBouncer,
    Process,
    binary,
    free_port,
    listening,
    render,
    wait_until,
)


def require(name: str) -> None:
    """Skip the test, saying why, where the Debian package `name` is not installed."""
    if binary(name) is None:
        pytest.skip(
            f"{name} absent : paquet Debian non installé (scripts/system-deps.sh test l'installe, en root)"
        )


SECRET_KEY = "deploy-test-secret-key-shared-by-every-app-server-0123456789"


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

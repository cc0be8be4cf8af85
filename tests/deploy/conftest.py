"""The servers of deploy/ around the test database: two app servers behind
nginx, PgBouncer (tests/deploy/servers.py starts them from their files).

nginx and PgBouncer are Debian packages, which `make test` installs
(scripts/system-deps.sh test, as root); where they could not be installed,
these tests are skipped, saying so."""

from types import SimpleNamespace

import pytest

from .agent import Agent
from .servers import Gunicorn, Nginx, require

# The app servers write the test database: committed data, emptied after each test.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("deploy")


def start_pair(log_dir, prefix: str = "") -> SimpleNamespace:
    require("nginx")
    first = Gunicorn(f"{prefix}app-1", log_dir).start()
    second = Gunicorn(f"{prefix}app-2", log_dir).start()
    directory = log_dir / prefix if prefix else log_dir
    directory.mkdir(exist_ok=True)
    nginx = Nginx(directory, [first.address, second.address])
    return SimpleNamespace(first=first, second=second, nginx=nginx.start(), servers=[first, second, nginx])


@pytest.fixture(scope="module")
def pair(django_db_setup, log_dir):
    """Two app servers over the test database, behind nginx; for a whole module."""
    started = start_pair(log_dir)
    yield started
    for server in started.servers:
        server.stop()


@pytest.fixture
def agent(pair):
    return Agent(pair.nginx.https_port)

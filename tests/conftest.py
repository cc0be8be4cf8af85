"""Shared fixtures: a fixed cast of users, one per role, a quarter and a venue.

The rows themselves are built by tests/factories.py."""

import importlib
import io
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from core.enums import Role
from permanences.models import Quarter, Venue

from .factories import DEMO_PASSWORD, make_user

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


# The fixtures by which a test reaches the database (as pytest-django reads them).
DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        item.fixturenames
    )


@pytest.fixture(autouse=True)
def _empty_cache(request, django_db_setup, django_db_blocker):
    """Rate limits and used TOTP codes live in the cache, a table of the test
    database as in production: no test inherits another's. A test without the
    database has no cache to empty (run alone, as tests/test_architecture.py
    can be, no test database is even created)."""
    if not uses_database(request.node):
        return
    with django_db_blocker.unblock():
        cache.clear()
        # Outside a transaction, hand the connection back: in a browser test,
        # Playwright's greenlet gets a connection of its own, which nothing
        # else would close (the test database could not be dropped at the end).
        if not connection.in_atomic_block:
            connection.close()


@pytest.fixture
def counsellor(django_user_model):
    return make_user(django_user_model, "alice", Role.CONSEILLER)


@pytest.fixture
def other_counsellor(django_user_model):
    """A second counsellor: another caseload."""
    return make_user(django_user_model, "dora", Role.CONSEILLER)


@pytest.fixture
def coordinator(django_user_model):
    return make_user(django_user_model, "bob", Role.COORDINATION)


@pytest.fixture
def city(django_user_model):
    return make_user(django_user_model, "charlie", Role.VILLE)


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "root", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(django_user_model):
    """Logged in, but with no role at all."""
    return make_user(django_user_model, "eve")


@pytest.fixture
def logged(client, counsellor):
    """The test client, logged in as the counsellor."""
    client.force_login(counsellor)
    return client


@pytest.fixture
def artefacts():
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


# --- small factories ------------------------------------------------------


@pytest.fixture
def quarter(db):
    return Quarter.objects.create(name="Bel Air – Grands Pêchers")


@pytest.fixture
def venue(quarter):
    return Venue.objects.create(name="Centre social Grand Air", quarter=quarter)


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """seed_demo once for a whole test module, rolled back at its end.

    Like Django's TestCase.setUpTestData: an outer transaction around the
    module; each test's own transaction is a savepoint inside it.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        out = io.StringIO()
        call_command("seed_demo", password=DEMO_PASSWORD, stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# Data migrations whose rows (role groups, topics, themes, the messages' texts) the tests rely on.
REFERENCE_DATA = [
    ("permanences.migrations.0002_role_groups", "create_groups"),
    ("beneficiaries.migrations.0002_topics", "create_topics"),
    ("beneficiaries.migrations.0022_workshop_themes", "create_themes"),
    ("messaging.migrations.0003_default_texts", "create"),
]


@pytest.fixture
def reference_data(transactional_db):
    """Replay the data migrations in a transactional test.

    Transactional tests empty the database after each test. Django's serialized
    rollback would restore these rows, but Playwright's event loop hides the
    serialized copy from the test thread's connection, so they are replayed.
    """
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_BIN", "/usr/lib/chromium/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }

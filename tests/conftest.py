"""Shared fixtures: a fixed cast of users, one per role, and small factories."""

import datetime
import importlib
import io
import os
import time
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from beneficiaries.enums import Sex
from beneficiaries.models import Beneficiary, Visit
from core.enums import Role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue

ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and used TOTP codes live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


# The TOTP secret of the test users whose role requires two-factor authentication.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code an authenticator app shows now (or `offset` periods later)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def make_user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize(), **extra
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    if role == Role.COORDINATION or user.is_staff:
        TOTP.activate(user, TOTP_SECRET)
        RecoveryCodes.activate(user)
    return user


@pytest.fixture
def counsellor(django_user_model):
    return make_user(django_user_model, "alice", Role.CONSEILLER)


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


def make_permanence(venue, date, *, status=PermanenceStatus.HELD, start="09:30", end="12:30"):
    return Permanence.objects.create(
        venue=venue,
        date=date,
        start_time=datetime.time.fromisoformat(start),
        end_time=datetime.time.fromisoformat(end),
        status=status,
        cancel_reason="Fermé" if status == PermanenceStatus.CANCELLED else "",
    )


def make_person(last_name="Martin", first_name="Élodie", *, sex=Sex.FEMALE, **extra):
    return Beneficiary.objects.create(last_name=last_name, first_name=first_name, sex=sex, **extra)


def make_visit(person, permanence, **extra):
    return Visit.objects.create(beneficiary=person, permanence=permanence, **extra)


DEMO_PASSWORD = "demo-password-for-tests"


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


# Data migrations whose rows (role groups, topics) the tests rely on.
REFERENCE_DATA = [
    ("permanences.migrations.0002_role_groups", "create_groups"),
    ("beneficiaries.migrations.0002_topics", "create_topics"),
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

"""An existing database migrates forward with its rows: what moved between apps
(the one-time form tokens, from `permanences` to `core`) keeps every row."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import FormSubmission

BEFORE_CORE = [("permanences", "0005_public_info"), ("core", None)]


def migrate(targets):
    MigrationExecutor(connection).migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def migrated_back():
    """The database as it was before `core` existed; migrated to the latest state at the end."""
    migrate(BEFORE_CORE)
    yield MigrationExecutor(connection).loader.project_state([BEFORE_CORE[0]]).apps
    migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_form_tokens_of_an_existing_database_move_to_core_with_their_rows(migrated_back):
    old_apps = migrated_back
    assert "core_formsubmission" not in connection.introspection.table_names()
    user = old_apps.get_model("auth", "User").objects.create(username="ancienne")
    OldSubmission = old_apps.get_model("permanences", "FormSubmission")
    sent_at = timezone.make_aware(datetime.datetime(2025, 3, 14, 10, 30))
    keys = [uuid.uuid4() for _ in range(3)]
    for number, key in enumerate(keys):
        OldSubmission.objects.create(key=key, user_id=user.pk, result_url=f"/personnes/{number}/")
    OldSubmission.objects.update(created_at=sent_at)

    migrate(latest())

    moved = FormSubmission.objects.filter(key__in=keys).order_by("result_url")
    assert [(row.user_id, row.result_url, row.created_at) for row in moved] == [
        (user.pk, f"/personnes/{number}/", sent_at) for number in range(3)
    ]
    assert "permanences_formsubmission" not in connection.introspection.table_names()

"""On PostgreSQL the audit triggers compare the rows as they are (to_jsonb): a
column added by a later migration (docs/DEPLOY.md, expand/contract) is followed
without a new audit migration."""

import pytest
from django.db import connection

from audit.models import AuditEntry


@pytest.mark.django_db
def test_a_column_added_later_is_followed_without_a_new_trigger(reference_data):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE beneficiaries_topic ADD COLUMN coming_soon text")
        cursor.execute("SELECT id FROM beneficiaries_topic ORDER BY id LIMIT 1")
        (topic_id,) = cursor.fetchone()
        cursor.execute("UPDATE beneficiaries_topic SET coming_soon = 'x' WHERE id = %s", [topic_id])
    entry = AuditEntry.objects.filter(object_type="beneficiaries.topic", object_id=str(topic_id)).latest("pk")
    assert (entry.action, entry.columns) == ("change", "coming_soon")

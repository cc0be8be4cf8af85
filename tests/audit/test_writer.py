"""Who is writing reaches the audit triggers on every statement, in the
statement's own text: nothing is left on the connection for the next request
(a pooler in transaction mode may give it to anyone)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.context import acting_as, actor, running_command
from audit.enums import AuditAction
from beneficiaries.models import Beneficiary
from permanences.models import Quarter

from ..factories import make_person, make_user
from .helpers import entries_of, only_entry, who


def session_settings() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('audit.user_id', true), current_setting('audit.username', true)"
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_the_writer_of_a_request_stays_in_its_transaction(client, reference_data, django_user_model):
    counsellor = make_user(django_user_model, "alice", "conseiller")
    person = make_person()
    client.force_login(counsellor)
    response = client.post(reverse("beneficiaries:notice_given", args=[person.pk]))
    assert response.status_code == 302
    assert who(only_entry(person, AuditAction.CHANGE)) == (counsellor, "alice")
    # In autocommit, each statement was its own transaction: the connection
    # keeps no writer (NULL: never set, or "": back to the session's value).
    assert set(session_settings()) <= {None, ""}
    # The next statement on this connection, sent by no one, is no one's; so
    # is one that does not go through the application at all (psql).
    Beneficiary.objects.filter(pk=person.pk).update(phone="06 00 00 00 01")
    assert who(entries_of(person, AuditAction.CHANGE)[-1]) == (None, "")
    connection.connection.execute(f"UPDATE beneficiaries_beneficiary SET rsa = 'non' WHERE id = {person.pk}")
    last = entries_of(person, AuditAction.CHANGE)[-1]
    assert (who(last), last.columns) == ((None, ""), "rsa")


@pytest.mark.django_db
def test_names_with_quotes_or_percent_signs_reach_the_trail_intact(django_user_model):
    odd = django_user_model.objects.create_user(username="o'neil%s%%", password="x" * 20)
    with acting_as(odd):
        person = make_person()  # an INSERT with parameters
        with connection.cursor() as cursor:  # and one without
            cursor.execute(f"UPDATE beneficiaries_beneficiary SET rsa = 'oui' WHERE id = {person.pk}")
    assert who(only_entry(person, AuditAction.CREATE)) == (odd, "o'neil%s%%")
    assert who(only_entry(person, AuditAction.CHANGE)) == (odd, "o'neil%s%%")


def test_the_request_user_comes_before_the_command_and_the_first_command_before_others(counsellor):
    assert actor() == (None, "")
    with running_command("import_activity"):
        assert actor() == (None, "commande import_activity")
        with running_command("bilan"):
            assert actor() == (None, "commande import_activity")
        with acting_as(counsellor):
            assert actor() == (counsellor.pk, "alice")
    assert actor() == (None, "")


@pytest.mark.django_db
def test_every_command_runs_under_its_name(capsys):
    call_command("shell", command="from audit.context import actor; print(actor())")
    assert "(None, 'commande shell')" in capsys.readouterr().out


@pytest.mark.django_db
def test_rows_written_by_executemany_in_a_transaction_have_their_writer(counsellor):
    with acting_as(counsellor), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO permanences_quarter (name, is_priority, qpv_code, created_at, updated_at)"
            " VALUES (%s, false, '', now(), now())",
            [["Quartier un"], ["Quartier deux"]],
        )
    for quarter in Quarter.objects.filter(name__startswith="Quartier"):
        assert who(only_entry(quarter, AuditAction.CREATE)) == (counsellor, "alice")

"""The audit trail: who, when, what, on which object — never names or notes;
nobody edits or deletes it; a command applies the 12-month retention."""

import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.models import Beneficiary

from ..factories import PASSWORD, make_permanence, make_person, totp_code

pytestmark = pytest.mark.django_db


def actions(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


def test_create_change_and_read_of_a_file_are_recorded_with_the_user(client, counsellor):
    client.force_login(counsellor)
    data = {"token": str(uuid.uuid4()), "last_name": "Lefèvre", "first_name": "Zoé", "sex": "F"}
    client.post(reverse("beneficiaries:create"), data)
    person = Beneficiary.objects.get()
    client.get(reverse("beneficiaries:detail", args=[person.pk]))
    assert actions(file_ref=person.ref) == [AuditAction.CREATE, AuditAction.VIEW]
    entry = AuditEntry.objects.filter(file_ref=person.ref).last()
    assert (entry.user, entry.username, entry.object_type) == (
        counsellor,
        "alice",
        "beneficiaries.beneficiary",
    )
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == datetime.timedelta(0)


def test_visits_and_their_file_are_linked_in_the_trail(client, counsellor, venue, today):
    person = make_person()
    permanence = make_permanence(venue, today)
    client.force_login(counsellor)
    client.post(
        reverse("beneficiaries:visit_create", args=[person.pk, permanence.pk]),
        {
            "token": str(uuid.uuid4()),
            "notes": "Notes confidentielles",
            "orientations-TOTAL_FORMS": "1",
            "orientations-INITIAL_FORMS": "0",
            "orientations-0-partner": "plie",
            "orientations-0-detail": "",
        },
    )
    types = set(AuditEntry.objects.filter(file_ref=person.ref).values_list("object_type", flat=True))
    assert "beneficiaries.visit" in types


def test_no_name_or_note_is_ever_copied_into_the_trail(client, counsellor, admin_user, venue, today):
    person = make_person("Zyxwvut", "Qwertyuiop", phone="06 39 98 77 66")
    client.force_login(admin_user)
    client.post(reverse("admin:beneficiaries_beneficiary_delete", args=[person.pk]), {"post": "yes"})
    assert AuditAction.DELETE in actions(file_ref=person.ref)
    for entry in AuditEntry.objects.values_list("username", "object_type", "object_id", "file_ref", "detail"):
        text = " ".join(entry).lower()
        assert "zyxwvut" not in text and "qwertyuiop" not in text and "77 66" not in text


def test_logins_logouts_and_failed_logins_are_recorded(client, counsellor):
    client.post(reverse("login"), {"login": "alice", "password": "wrong-password-here"})
    client.post(reverse("login"), {"login": "alice", "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("logout"))
    sessions = [AuditAction.LOGIN_FAILED, AuditAction.LOGIN, AuditAction.LOGOUT]
    assert actions(action__in=sessions) == sessions
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.username == "" and failed.user is None  # the typed identifier is not kept


def test_entries_cannot_be_changed_or_deleted(client, admin_user):
    make_person()
    entry = AuditEntry.objects.first()
    entry.detail = "x"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(detail="x")
    client.force_login(admin_user)
    assert (
        client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"detail": "x"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk, detail="").exists()


def dated_entry(at: datetime.datetime) -> int:
    """An entry written at `at` (entries cannot be back-dated once written)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, username, action, object_type, object_id, file_ref, detail,"
            " columns) VALUES (%s, '', 'view', '', '', '', '', '') RETURNING id",
            [at],
        )
        return cursor.fetchone()[0]


def test_purge_removes_only_entries_older_than_12_months(monkeypatch):
    make_person()
    cutoff = timezone.now() - datetime.timedelta(days=365)
    old = dated_entry(cutoff - datetime.timedelta(days=1))
    recent = dated_entry(cutoff + datetime.timedelta(hours=1))  # within the 12 months, by an hour: kept
    kept = set(AuditEntry.objects.exclude(pk=old).values_list("pk", flat=True))
    assert recent in kept
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    assert "1 entrée(s)" in out.getvalue()
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == kept


def test_purge_removes_the_logins_older_than_the_retention_too(settings):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    settings.AUDIT_RETENTION_DAYS = 90
    cutoff = timezone.now() - datetime.timedelta(days=90)
    rows = {}
    for name, model, extra in (
        ("log", AccessLog, {}),
        ("failure", AccessFailureLog, {}),
        ("attempt", AccessAttempt, {"get_data": "", "post_data": "", "failures_since_start": 1}),
    ):
        for age, at in (
            ("old", cutoff - datetime.timedelta(days=1)),
            ("recent", cutoff + datetime.timedelta(hours=1)),
        ):
            row = model.objects.create(
                username=f"{name}-{age}", ip_address="192.0.2.1", user_agent="Navigateur", **extra
            )
            model.objects.filter(pk=row.pk).update(attempt_time=at)
            rows[name, age] = row
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    assert "3 connexion(s) ou tentative(s) de plus de 90 jours supprimée(s)" in out.getvalue()
    for (name, age), row in rows.items():
        assert type(row).objects.filter(pk=row.pk).exists() == (age == "recent"), (name, age)


def test_the_database_refuses_to_change_or_delete_an_entry():
    make_person()
    for statement in ("UPDATE audit_auditentry SET detail = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError, match="Le journal d'audit ne se modifie pas"), transaction.atomic():
            connection.cursor().execute(statement)
    assert AuditEntry.objects.filter(detail="").count() == AuditEntry.objects.count() > 0


def test_a_deleted_account_leaves_its_name_in_its_entries(client, django_user_model):
    from ..factories import make_user

    gone = make_user(django_user_model, "dora")
    client.force_login(gone)
    client.get(reverse("home"))
    gone.delete()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, username="dora", user=None).exists()


def test_coordination_sees_the_trail_of_one_file_others_do_not(client, coordinator, counsellor, city):
    person = make_person()
    url = reverse("beneficiaries:trail", args=[person.pk])
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200 and "Création" in response.content.decode()
    for user in (counsellor, city):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_import_export_and_merge_are_recorded(coordinator, venue):
    from beneficiaries.data_services import activity_import, beneficiary_merge, nominative_export
    from beneficiaries.enums import ExportContent
    from beneficiaries.imports import ImportSource

    csv = b"ref;last_name;first_name;sex\n2019-00001;Dupont;Anne;F\n2019-00002;Dupont;Anne;F\n"
    activity_import(sources={"beneficiaries": ImportSource("personnes.csv", csv)}, user=coordinator)
    nominative_export(content=ExportContent.BENEFICIARIES, user=coordinator)
    kept, removed = Beneficiary.objects.order_by("ref")
    beneficiary_merge(kept=kept, removed=removed, user=coordinator)
    entries = AuditEntry.objects.filter(user=coordinator)
    assert entries.filter(action=AuditAction.IMPORT).count() == 1
    assert entries.filter(action=AuditAction.EXPORT).count() == 1
    merge = entries.get(action=AuditAction.MERGE)
    assert merge.file_ref == "2019-00001" and merge.detail == "dossier 2019-00002 fusionné"
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, file_ref="2019-00002").exists()


def test_the_trail_page_names_the_changed_fields_never_their_values(client, coordinator, quarter):
    person = make_person()
    Beneficiary.objects.filter(pk=person.pk).update(phone="06 39 98 77 66", quarter=quarter)
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:trail", args=[person.pk])).content.decode()
    assert "<td>téléphone, quartier de résidence</td>" in html
    assert "77 66" not in html and quarter.name not in html

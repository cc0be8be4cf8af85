"""Every way of writing an audited table leaves exactly one entry per row
written: who, when (UTC), what, which row, which file, which columns — never a
value. The database writes them (migration audit/0003), whatever the path:
forms, one-click actions, QuerySet.update(), bulk_create, the importer's COPY,
merge, anonymisation, the admin, plain SQL in a command."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.context import acting_as
from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import Partner, ReferralStatus
from beneficiaries.models import Beneficiary, Outcome, Referral, Topic, Visit
from core.enums import Role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter

from ..beneficiaries.files import (
    OUTCOME_HEADER,
    PERSON_HEADER,
    VISIT_HEADER,
    csv_bytes,
    outcome,
    person,
    visit,
)
from ..beneficiaries.test_files import edit_data
from ..factories import make_permanence, make_person, make_visit
from .helpers import (
    DETAIL,
    EMAIL,
    EMPLOYER,
    FIRST_NAME,
    LAST_NAME,
    NEXT_STEP,
    NOTES,
    PHONE,
    assert_no_identity,
    columns,
    entries_of,
    only_entry,
    who,
)

pytestmark = pytest.mark.django_db

CREATE, CHANGE, DELETE = AuditAction.CREATE, AuditAction.CHANGE, AuditAction.DELETE
D = datetime.date.fromisoformat


def french(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def someone():
    return make_person(LAST_NAME, FIRST_NAME, phone=PHONE, email=EMAIL)


def test_a_file_created_edited_and_its_notice_recorded_through_the_forms(client, counsellor):
    client.force_login(counsellor)
    client.post(
        reverse("beneficiaries:create"),
        {"token": str(uuid.uuid4()), "last_name": LAST_NAME, "first_name": FIRST_NAME, "sex": "F"},
    )
    person = Beneficiary.objects.get()
    created = only_entry(person, CREATE)
    assert who(created) == (counsellor, "alice")
    assert (created.object_type, created.object_id, created.file_ref, created.columns) == (
        "beneficiaries.beneficiary",
        str(person.pk),
        person.ref,
        "",
    )
    assert created.at.utcoffset() == datetime.timedelta(0)

    # The edit form: one QuerySet.update(); the version, search key and
    # updated_* columns it also writes are bookkeeping, never listed.
    url = reverse("beneficiaries:edit", args=[person.pk])
    assert client.post(url, edit_data(person, phone=PHONE, email=EMAIL)).status_code == 302
    # One click: the information notice was given (another update()).
    client.post(reverse("beneficiaries:notice_given", args=[person.pk]))
    first, second = entries_of(person, CHANGE)
    assert columns(first) == {"email", "phone"} and columns(second) == {"notice_given_on"}
    assert {who(first), who(second)} == {(counsellor, "alice")}
    assert first.file_ref == second.file_ref == person.ref

    # Saved again unchanged: nothing to record; a login only sets last_login.
    person.refresh_from_db()
    person.save()
    client.force_login(counsellor)
    assert len(entries_of(person, CHANGE)) == 2
    assert entries_of(counsellor, CHANGE) == []
    assert_no_identity()


def visit_form(today, topics):
    return {
        "token": str(uuid.uuid4()),
        "topics": [topic.pk for topic in topics],
        "notes": NOTES,
        "next_step": NEXT_STEP,
        "next_step_due": french(today),
        "orientations-TOTAL_FORMS": "2",
        "orientations-INITIAL_FORMS": "0",
        "orientations-0-partner": Partner.PLIE,
        "orientations-0-detail": DETAIL,
        "orientations-1-partner": Partner.FRANCE_TRAVAIL,
        "orientations-1-detail": "",
    }


def test_a_visit_with_topics_and_referrals_then_one_click_results_and_an_outcome(
    client, counsellor, venue, today, someone
):
    permanence = make_permanence(venue, today, status=PermanenceStatus.PLANNED)
    topics = list(Topic.objects.filter(is_active=True)[:2])
    client.force_login(counsellor)
    url = reverse("beneficiaries:visit_create", args=[someone.pk, permanence.pk])
    assert client.post(url, visit_form(today, topics)).status_code == 302

    visit = Visit.objects.get()
    links = list(Visit.topics.through.objects.filter(visit=visit))
    referrals = list(Referral.objects.order_by("pk"))  # bulk_create
    assert len(links) == 2 and len(referrals) == 2
    for row in (visit, *links, *referrals):
        entry = only_entry(row, CREATE)
        assert who(entry) == (counsellor, "alice") and entry.file_ref == someone.ref
    assert only_entry(links[0], CREATE).object_type == "beneficiaries.visit_topics"
    # The session became held: a change of a row outside any file.
    held = only_entry(permanence, CHANGE)
    assert columns(held) == {"status"} and held.file_ref == ""

    client.post(reverse("beneficiaries:referral_status", args=[referrals[0].pk]), {"status": "done"})
    assert columns(only_entry(referrals[0], CHANGE)) == {"checked_on", "status"}
    client.post(reverse("beneficiaries:next_step_done", args=[visit.pk]))
    assert columns(only_entry(visit, CHANGE)) == {"next_step_done_on"}

    outcome_data = {"kind": "cdi", "start_date": french(today), "end_date": "", "working_time": ""}
    client.post(
        reverse("beneficiaries:outcome_create", args=[someone.pk]),
        {**outcome_data, "token": str(uuid.uuid4()), "employer": EMPLOYER},
    )
    job = Outcome.objects.get()
    assert only_entry(job, CREATE).file_ref == someone.ref
    client.post(
        reverse("beneficiaries:outcome_edit", args=[someone.pk, job.pk]),
        {
            **outcome_data,
            "employer": EMPLOYER + " bis",
            "working_time": "temps_plein",
            "version": job.version,
            "reason": "complement",
        },
    )
    assert columns(only_entry(job, CHANGE)) == {"employer", "working_time"}
    # The reason of the correction, beside the row's own entry.
    reason = only_entry(job, AuditAction.CORRECTION)
    assert who(reason) == (counsellor, "alice") and reason.file_ref == someone.ref
    assert reason.detail == "Correction — motif : Information complétée ou précisée"
    assert_no_identity()


def import_files(tmp_path, *, phone, notes) -> dict[str, str]:
    files = {
        "beneficiaries": csv_bytes(
            PERSON_HEADER,
            [
                person("A-1", LAST_NAME, FIRST_NAME, phone=phone, email=EMAIL),
                person("A-2", "Diallo", "Moussa"),
            ],
        ),
        "visits": csv_bytes(
            VISIT_HEADER,
            [visit("A-1", topics="cv_lettre|formation", referral="plie", notes=notes), visit("A-2")],
        ),
        "outcomes": csv_bytes(OUTCOME_HEADER, [outcome("A-1", end_date="2024-08-01", label=EMPLOYER)]),
    }
    paths = {}
    for kind, data in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(data)
        paths[kind] = str(path)
    return paths


def test_the_importer_copy_and_bulk_updates_leave_one_entry_per_row(tmp_path, venue):
    call_command("import_activity", **import_files(tmp_path, phone=PHONE, notes=NOTES))
    ours = Beneficiary.objects.get(ref="A-1")
    rows = [
        *Beneficiary.objects.all(),
        *Visit.objects.all(),
        *Visit.topics.through.objects.all(),
        *Referral.objects.all(),
        *Outcome.objects.all(),
        *Permanence.objects.all(),
    ]
    assert len(rows) == 2 + 2 + 2 + 1 + 1 + 1
    for row in rows:
        entry = only_entry(row, CREATE)
        assert who(entry) == (None, "commande import_activity")
    assert {e.file_ref for e in AuditEntry.objects.filter(object_type="beneficiaries.visit_topics")} == {
        "A-1"
    }
    assert only_entry(ours.outcomes.get(), CREATE).file_ref == "A-1"
    summary = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert summary.username == "commande import_activity"

    # Imported again with a new phone and new notes: bulk_update, one change each.
    call_command("import_activity", **import_files(tmp_path, phone="06 39 98 77 67", notes=NOTES + " bis"))
    assert columns(only_entry(ours, CHANGE)) == {"phone"}
    assert columns(only_entry(ours.visits.get(), CHANGE)) == {"notes"}
    # (migrate's own changes, to the default message texts, are the command migrate's)
    assert AuditEntry.objects.filter(action=CHANGE, username="commande import_activity").count() == 2
    assert_no_identity()


def test_a_merge_moves_rows_and_deletes_the_other_file_recording_each_row(client, coordinator, venue):
    kept = make_person(LAST_NAME, FIRST_NAME, ref="2024-00001")
    removed = make_person(LAST_NAME, FIRST_NAME, ref="2024-00002", phone=PHONE)
    theirs = make_visit(removed, make_permanence(venue, D("2024-01-08")), notes=NOTES)
    sent = Referral.objects.create(
        beneficiary=removed, visit=theirs, partner=Partner.SIAE, proposed_on=theirs.date
    )
    client.force_login(coordinator)
    url = reverse("beneficiaries:merge", args=[kept.pk, removed.pk])
    data = {"token": str(uuid.uuid4()), "kept_version": 1, "removed_version": 1, "confirm": "on"}
    assert client.post(url, data).status_code == 302

    assert who(only_entry(removed, DELETE)) == (coordinator, "bob")
    assert only_entry(removed, DELETE).file_ref == "2024-00002"
    moved = only_entry(theirs, CHANGE)
    assert columns(moved) == {"beneficiary_id"} and moved.file_ref == "2024-00001"
    assert columns(only_entry(sent, CHANGE)) == {"beneficiary_id"}
    assert columns(only_entry(kept, CHANGE)) == {"phone"}  # filled from the removed file
    assert AuditEntry.objects.get(action=AuditAction.MERGE).file_ref == "2024-00001"
    assert_no_identity()


def test_anonymisation_lists_the_columns_it_empties(client, coordinator, venue, someone):
    visit = make_visit(someone, make_permanence(venue, D("2024-01-08")), notes=NOTES, next_step=NEXT_STEP)
    sent = Referral.objects.create(
        beneficiary=someone, visit=visit, partner=Partner.PLIE, proposed_on=visit.date, detail=DETAIL
    )
    job = Outcome.objects.create(beneficiary=someone, kind="cdi", start_date=visit.date, employer=EMPLOYER)
    client.force_login(coordinator)
    url = reverse("beneficiaries:anonymise", args=[someone.pk])
    client.post(url, {"reason": "demande_effacement", "confirm": "on"})

    person = only_entry(someone, CHANGE)
    assert who(person) == (coordinator, "bob")
    assert columns(person) == {"anonymised_at", "email", "first_name", "last_name", "phone"}
    assert columns(only_entry(visit, CHANGE)) == {"next_step", "notes"}
    assert columns(only_entry(sent, CHANGE)) == {"detail"}
    assert columns(only_entry(job, CHANGE)) == {"employer"}
    assert AuditEntry.objects.get(action=AuditAction.ANONYMISE).file_ref == someone.ref
    assert_no_identity()


def test_the_admin_changes_and_deletes_and_the_visits_follow_a_moved_session(
    client, admin_user, venue, someone
):
    session = make_permanence(venue, D("2023-05-02"))
    moved = make_visit(make_person("Autre", "Personne"), session)
    client.force_login(admin_user)
    quarter = venue.quarter
    client.post(
        reverse("admin:permanences_quarter_change", args=[quarter.pk]),
        {"name": "La Noue", "is_priority": "on", "qpv_code": ""},
    )
    assert columns(only_entry(quarter, CHANGE)) == {"is_priority", "name"}
    form = {
        "venue": venue.pk,
        "date": "2023-05-09",
        "start_time": "09:30",
        "end_time": "12:30",
        "status": "held",
    }
    client.post(
        reverse("admin:permanences_permanence_change", args=[session.pk]), {**form, "cancel_reason": ""}
    )
    # A change in the admin is a change by hand: the planning leaves the session alone since.
    assert columns(only_entry(session, CHANGE)) == {"date", "changed_by_hand_at"}
    # The visit's copy of the date, rewritten by the bilan's trigger: a change too.
    assert columns(only_entry(moved, CHANGE)) == {"date"}
    assert who(only_entry(moved, CHANGE)) == (admin_user, "root")
    client.post(reverse("admin:beneficiaries_beneficiary_delete", args=[someone.pk]), {"post": "yes"})
    deleted = only_entry(someone, DELETE)
    assert who(deleted) == (admin_user, "root") and deleted.file_ref == someone.ref
    assert_no_identity()


def test_bulk_writes_queryset_updates_and_roles_outside_any_request(venue, counsellor, someone):
    sessions = [make_permanence(venue, D(day)) for day in ("2024-01-08", "2024-01-15")]
    visits = Visit.objects.bulk_create(Visit(beneficiary=someone, permanence=s) for s in sessions)
    assert [who(only_entry(v, CREATE)) for v in visits] == [(None, "")] * 2  # nobody: no request, no command
    Visit.objects.filter(beneficiary=someone).update(notes=NOTES)
    assert [columns(only_entry(v, CHANGE)) for v in visits] == [{"notes"}] * 2
    with acting_as(counsellor):
        Visit.objects.filter(pk=visits[0].pk).delete()
        counsellor.groups.add(Group.objects.get(name=Role.COORDINATION))
        counsellor.set_password("another-long-password")
        counsellor.save()
    assert who(only_entry(visits[0], DELETE)) == (counsellor, "alice")
    role = AuditEntry.objects.get(object_type="auth.user_groups", action=CREATE, user=counsellor)
    assert role.object_id == str(
        counsellor.groups.through.objects.get(user=counsellor, group__name=Role.COORDINATION).pk
    )
    assert columns(only_entry(counsellor, CHANGE)) == {"password"}
    assert_no_identity()


def test_plain_sql_in_a_command_is_recorded_with_the_command(venue, someone):
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        f"    cursor.execute(\"UPDATE beneficiaries_beneficiary SET rsa = 'oui' WHERE id = {someone.pk}\")\n"
        f"    cursor.execute(\"DELETE FROM permanences_quarter WHERE name = 'Vide'\")\n"
    )
    empty = Quarter.objects.create(name="Vide")
    call_command("shell", command=code)
    change = only_entry(someone, CHANGE)
    assert (who(change), columns(change), change.file_ref) == ((None, "commande shell"), {"rsa"}, someone.ref)
    assert who(only_entry(empty, DELETE)) == (None, "commande shell")


def test_a_plain_sql_copy_in_a_transaction_is_recorded_with_the_writer(counsellor, someone):
    with acting_as(counsellor), connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the transaction's first statement carries the writer
        with cursor.copy("COPY beneficiaries_topic (code, label, position, is_active) FROM STDIN") as copy:
            copy.write_row(["nouveau", "Nouveau thème", 99, True])
    topic = Topic.objects.get(code="nouveau")
    assert who(only_entry(topic, CREATE)) == (counsellor, "alice")


def test_a_visits_referrals_are_deleted_with_it_and_say_so(client, admin_user, venue, someone):
    visit = make_visit(someone, make_permanence(venue, D("2024-01-08")))
    sent = Referral.objects.create(
        beneficiary=someone,
        visit=visit,
        partner=Partner.PLIE,
        proposed_on=visit.date,
        status=ReferralStatus.PROPOSED,
    )
    visit.topics.add(Topic.objects.first())
    client.force_login(admin_user)
    client.post(reverse("admin:beneficiaries_visit_delete", args=[visit.pk]), {"post": "yes"})
    assert only_entry(visit, DELETE).file_ref == someone.ref
    assert only_entry(sent, DELETE).file_ref == someone.ref
    assert not Referral.objects.exists()
    [link] = AuditEntry.objects.filter(object_type="beneficiaries.visit_topics", action=DELETE)
    assert link.file_ref == someone.ref

"""Reads: every page or file that shows one person's identity leaves one entry
(VIEW) naming the file; every list or search leaves one entry (LIST) per
request with the number of files shown, and no name."""

import datetime
import uuid

import pytest
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import ExportContent, OutcomeKind, Partner
from beneficiaries.models import DistinctPair, Outcome, Referral, Topic

from ..factories import make_permanence, make_person, make_visit
from ..messaging.helpers import make_message
from .helpers import EMAIL, FIRST_NAME, LAST_NAME, PHONE, assert_no_identity

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def files(venue, today, counsellor):
    """Two persons seen today, with a referral awaiting its result and a next step due."""
    session = make_permanence(venue, today)
    rows = {}
    for name in (LAST_NAME, "Autre"):
        person = make_person(name, FIRST_NAME, phone=PHONE if name == LAST_NAME else "", email=EMAIL)
        visit = make_visit(
            person,
            session,
            next_step="CV",
            next_step_due=today - datetime.timedelta(days=1),
            created_by=counsellor,
        )
        visit.topics.set(Topic.objects.all()[:1])
        referral = Referral.objects.create(
            beneficiary=person,
            visit=visit,
            partner=Partner.PLIE,
            proposed_on=today - datetime.timedelta(days=30),
            created_by=counsellor,
        )
        outcome = Outcome.objects.create(
            beneficiary=person, kind=OutcomeKind.CDI, start_date=today, created_by=counsellor
        )
        rows[name] = {"person": person, "visit": visit, "referral": referral, "outcome": outcome}
    rows["session"] = session
    return rows


def new_entries(before: int, action: AuditAction | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(pk__gt=before)
    if action is not None:
        found = found.filter(action=action)
    return list(found.order_by("pk"))


def last_pk() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_each_page_showing_a_file_leaves_one_read(client, counsellor, coordinator, admin_user, files):
    person, visit = files[LAST_NAME]["person"], files[LAST_NAME]["visit"]
    message = make_message(person, body="Bonjour, rendez-vous demain.")
    outcome, referral = files[LAST_NAME]["outcome"], files[LAST_NAME]["referral"]
    free = make_permanence(visit.permanence.venue, visit.date, start="14:00", end="17:00")
    pages = [
        (counsellor, reverse("beneficiaries:detail", args=[person.pk]), person),
        (counsellor, reverse("beneficiaries:edit", args=[person.pk]), person),
        (counsellor, reverse("beneficiaries:visit_create", args=[person.pk, free.pk]), person),
        (counsellor, reverse("beneficiaries:outcome_create", args=[person.pk]), person),
        (counsellor, reverse("beneficiaries:outcome_edit", args=[person.pk, outcome.pk]), person),
        (counsellor, reverse("beneficiaries:outcome_delete", args=[person.pk, outcome.pk]), person),
        (counsellor, reverse("beneficiaries:visit_edit", args=[visit.pk]), person),
        (counsellor, reverse("beneficiaries:visit_delete", args=[visit.pk]), person),
        (counsellor, reverse("beneficiaries:referral_create", args=[person.pk]), person),
        (counsellor, reverse("beneficiaries:referral_edit", args=[referral.pk]), person),
        (counsellor, reverse("beneficiaries:referral_delete", args=[referral.pk]), person),
        (coordinator, reverse("beneficiaries:trail", args=[person.pk]), person),
        (coordinator, reverse("beneficiaries:anonymise", args=[person.pk]), person),
        (counsellor, reverse("messaging:compose", args=[person.pk]), person),
        (admin_user, reverse("admin:beneficiaries_beneficiary_change", args=[person.pk]), person),
        (admin_user, reverse("admin:beneficiaries_visit_change", args=[visit.pk]), visit),
        (admin_user, reverse("admin:beneficiaries_referral_change", args=[referral.pk]), referral),
        (admin_user, reverse("admin:beneficiaries_outcome_change", args=[outcome.pk]), outcome),
        (admin_user, reverse("admin:beneficiaries_beneficiary_delete", args=[person.pk]), person),
        (admin_user, reverse("admin:beneficiaries_beneficiary_history", args=[person.pk]), person),
        (admin_user, reverse("admin:beneficiaries_visit_delete", args=[visit.pk]), visit),
        (admin_user, reverse("admin:beneficiaries_outcome_history", args=[outcome.pk]), outcome),
        (admin_user, reverse("admin:messaging_message_change", args=[message.pk]), message),
        (admin_user, reverse("admin:messaging_message_history", args=[message.pk]), message),
    ]
    for user, url, shown in pages:
        client.force_login(user)
        before = last_pk()
        assert client.get(url).status_code == 200, url
        [read] = new_entries(before, AuditAction.VIEW)
        assert (read.user, read.object_type, read.object_id, read.file_ref) == (
            user,
            shown._meta.label_lower,
            str(shown.pk),
            person.ref,
        ), url
        assert new_entries(before, AuditAction.LIST) == [], url
    assert_no_identity()


def test_the_merge_comparison_reads_both_files_and_the_access_document_its_file(client, coordinator, files):
    first, second = files[LAST_NAME]["person"], files["Autre"]["person"]
    client.force_login(coordinator)
    before = last_pk()
    client.get(reverse("beneficiaries:merge", args=[first.pk, second.pk]))
    assert [(e.action, e.file_ref) for e in new_entries(before)] == [
        (AuditAction.VIEW, first.ref),
        (AuditAction.VIEW, second.ref),
    ]
    before = last_pk()
    client.get(reverse("beneficiaries:access_document", args=[first.pk]))
    assert [(e.action, e.file_ref) for e in new_entries(before)] == [
        (AuditAction.VIEW, first.ref),
        (AuditAction.ACCESS_REQUEST, first.ref),
    ]


def test_the_admin_page_of_a_distinct_pair_reads_both_files(client, admin_user, files):
    first, second = files[LAST_NAME]["person"], files["Autre"]["person"]
    pair = DistinctPair.objects.create(first=first, second=second, decided_by=admin_user)
    client.force_login(admin_user)
    before = last_pk()
    html = client.get(reverse("admin:beneficiaries_distinctpair_change", args=[pair.pk])).content.decode()
    assert LAST_NAME.upper() in html
    assert [(e.action, e.object_type, e.file_ref) for e in new_entries(before)] == [
        (AuditAction.VIEW, "beneficiaries.beneficiary", first.ref),
        (AuditAction.VIEW, "beneficiaries.beneficiary", second.ref),
    ]


def test_the_admin_autocomplete_of_files_is_a_list(client, admin_user, files):
    client.force_login(admin_user)
    url = reverse("admin:autocomplete")
    before = last_pk()
    response = client.get(
        url, {"app_label": "beneficiaries", "model_name": "visit", "field_name": "beneficiary"}
    )
    assert len(response.json()["results"]) == 2
    response = client.get(
        url,
        {"app_label": "beneficiaries", "model_name": "visit", "field_name": "beneficiary", "term": LAST_NAME},
    )
    assert LAST_NAME.upper() in response.json()["results"][0]["text"]
    assert [(e.action, e.user, e.detail, e.file_ref) for e in new_entries(before)] == [
        (
            AuditAction.LIST,
            admin_user,
            f"administration, personnes accompagnées (saisie semi-automatique) : {n} {word}",
            "",
        )
        for n, word in ((2, "dossiers affichés"), (1, "dossier affiché"))
    ]
    assert_no_identity()


def test_a_conflict_page_shows_the_saved_file_and_reads_it(client, counsellor, files):
    person = files[LAST_NAME]["person"]
    client.force_login(counsellor)
    stale = {"version": person.version - 1 or 99, "last_name": "Autre", "first_name": "Nom", "sex": "F"}
    before = last_pk()
    response = client.post(reverse("beneficiaries:edit", args=[person.pk]), stale)
    assert response.status_code == 409
    [read] = new_entries(before, AuditAction.VIEW)
    assert read.file_ref == person.ref


def test_a_nominative_export_is_its_one_entry(client, coordinator, files):
    client.force_login(coordinator)
    before = last_pk()
    client.post(reverse("beneficiaries:export"), {"content": ExportContent.BENEFICIARIES})
    [export] = new_entries(before)
    assert (export.action, export.user, export.detail) == (
        AuditAction.EXPORT,
        coordinator,
        "beneficiaries, csv (2 lignes)",
    )


def test_each_list_request_leaves_one_entry_with_the_number_of_files_shown(
    client, counsellor, coordinator, admin_user, files
):
    session = files["session"]
    lists = [
        (counsellor, reverse("beneficiaries:list"), "liste des personnes : 2 dossiers affichés"),
        (counsellor, reverse("beneficiaries:visits"), "liste des rendez-vous : 2 dossiers affichés"),
        (counsellor, reverse("beneficiaries:search") + f"?q={LAST_NAME}", "recherche : 1 dossier affiché"),
        (counsellor, reverse("beneficiaries:search") + "?q=zz", "recherche : 0 dossier affiché"),
        (counsellor, reverse("beneficiaries:followups"), "à relancer : 2 dossiers affichés"),
        (
            counsellor,
            reverse("beneficiaries:desk", args=[session.pk]),
            "personnes attendues et reçues dans la permanence : 2 dossiers affichés",
        ),
        (coordinator, reverse("beneficiaries:duplicates"), "doublons probables : 0 dossier affiché"),
        (
            admin_user,
            reverse("admin:beneficiaries_beneficiary_changelist"),
            "administration, personnes accompagnées : 2 dossiers affichés",
        ),
        (
            admin_user,
            reverse("admin:beneficiaries_visit_changelist"),
            "administration, rendez-vous : 2 dossiers affichés",
        ),
        (
            admin_user,
            reverse("admin:beneficiaries_referral_changelist"),
            "administration, orientations : 2 dossiers affichés",
        ),
        (
            admin_user,
            reverse("admin:beneficiaries_outcome_changelist"),
            "administration, sorties : 2 dossiers affichés",
        ),
    ]
    for user, url, detail in lists:
        client.force_login(user)
        before = last_pk()
        assert client.get(url).status_code == 200, url
        [listed] = new_entries(before)
        assert (listed.action, listed.user, listed.detail, listed.file_ref) == (
            AuditAction.LIST,
            user,
            detail,
            "",
        ), url
    desk = AuditEntry.objects.get(detail__startswith="personnes attendues et reçues")
    assert (desk.object_type, desk.object_id) == ("permanences.permanence", str(session.pk))
    assert_no_identity()


def test_likely_duplicates_shown_before_a_creation_are_a_list(client, counsellor, files):
    client.force_login(counsellor)
    before = last_pk()
    data = {"token": str(uuid.uuid4()), "last_name": LAST_NAME, "first_name": FIRST_NAME, "sex": "F"}
    response = client.post(reverse("beneficiaries:create"), data)
    assert "Cette personne a peut-être déjà un dossier" in response.content.decode()
    [listed] = new_entries(before)
    assert (listed.action, listed.detail) == (
        AuditAction.LIST,
        "dossiers proches d'une création : 1 dossier affiché",
    )

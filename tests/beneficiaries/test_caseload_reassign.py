"""Coordination's Portefeuilles: each counsellor's counts (never a person's name),
the files without a referent, and the reassignment of all or some files from one
counsellor to another — confirmed with its count, in one transaction, exactly
the files chosen; hostile input gets a French error and a 400, nothing moves."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.caseload_services import caseload_reassign
from beneficiaries.enums import AnonymisationReason, Partner
from beneficiaries.models import Beneficiary, Referral
from beneficiaries.services import BeneficiaryError, beneficiary_anonymise
from core.enums import Role

from ..factories import make_permanence, make_person, make_user, make_visit
from .files import page_text

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
CASELOADS = reverse("beneficiaries:caseloads")


@pytest.fixture
def dora(other_counsellor):
    return other_counsellor


@pytest.fixture
def files(venue, today, counsellor, dora):
    """Alice: three files (one seen this year with an overdue step and two open
    referrals, one seen last year, one never seen); Dora: one; one without a
    referent; an anonymised one."""
    seen = make_person("Ardoise", "Anne", referent=counsellor)
    this_year = max(today - 10 * DAY, datetime.date(today.year, 1, 1))
    make_visit(seen, make_permanence(venue, this_year), next_step="CV", next_step_due=this_year)
    for _ in range(2):
        Referral.objects.create(beneficiary=seen, partner=Partner.PLIE, proposed_on=this_year)
    last_year = make_person("Bernard", "Bruno", referent=counsellor)
    make_visit(last_year, make_permanence(venue, datetime.date(today.year - 1, 6, 1)))
    never = make_person("Chevalier", "Chloé", referent=counsellor)
    theirs = make_person("Durand", "Denis", referent=dora)
    nobody = make_person("Étienne", "Emma")
    gone = make_person("Fontaine", "Félix")
    beneficiary_anonymise(beneficiary=gone, reason=AnonymisationReason.ERASURE_REQUEST)
    return {"seen": seen, "last_year": last_year, "never": never, "theirs": theirs, "nobody": nobody}


def referents() -> dict[str, str | None]:
    return {
        p.last_name: p.referent.username if p.referent else None for p in Beneficiary.objects.identified()
    }


# --- Portefeuilles: counts only --------------------------------------------------


def test_coordination_sees_the_counts_of_each_caseload_and_no_name(client, coordinator, files, today):
    client.force_login(coordinator)
    response = client.get(CASELOADS)
    assert response.status_code == 200
    counts = {
        row.user.username: (row.files, row.seen_this_year, row.open_referrals, row.overdue)
        for row in response.context["rows"]
    }
    assert counts == {
        "alice": (3, 1, 2, 0 if files["seen"].visits.get().date == today else 1),
        "dora": (1, 0, 0, 0),
    }
    unassigned = response.context["unassigned"]
    assert (unassigned.files, unassigned.seen_this_year) == (1, 0)
    text = page_text(response)
    for person in files.values():
        assert person.last_name.upper() not in text and person.ref not in text
    assert "Sans référent·e" in text


def test_a_counsellor_who_left_still_shows_with_files_to_move(client, coordinator, files, dora):
    dora.groups.clear()
    client.force_login(coordinator)
    response = client.get(CASELOADS)
    left = next(row for row in response.context["rows"] if row.user == dora)
    assert (left.is_counsellor, left.files) == (False, 1)
    assert "n'est plus conseiller·ère" in page_text(response)
    assert client.get(reverse("beneficiaries:reassign", args=[dora.pk])).status_code == 200


def test_the_portefeuilles_page_takes_a_constant_number_of_queries(
    client, coordinator, files, venue, today, django_assert_num_queries
):
    client.force_login(coordinator)
    # session, user, the user's roles; the counts per referent, the accounts
    with django_assert_num_queries(5):
        client.get(CASELOADS)
    for number in range(4):
        user = make_user(type(coordinator), f"conseil{number}", Role.CONSEILLER)
        person = make_person(f"Autre{number}", "Personne", referent=user)
        make_visit(person, make_permanence(venue, today - (number + 1) * DAY))
    with django_assert_num_queries(5):
        client.get(CASELOADS)


def test_the_caseload_pages_are_refused_to_counsellors_and_the_city(client, counsellor, city, files):
    urls = [CASELOADS, reverse("beneficiaries:reassign", args=[counsellor.pk])]
    for url in urls:
        assert client.get(url).url.startswith(reverse("login"))
    for user in (counsellor, city):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403
        assert client.post(urls[1], {"target": user.pk, "scope": "tous"}).status_code == 403
    assert referents()["Ardoise"] == "alice"


def test_only_a_caseload_holder_has_a_reassign_page(client, coordinator, city, counsellor):
    client.force_login(coordinator)
    for pk in (coordinator.pk, city.pk, 999999):
        assert client.get(reverse("beneficiaries:reassign", args=[pk])).status_code == 404
    assert client.get(reverse("beneficiaries:reassign", args=[counsellor.pk])).status_code == 200


# --- reassign ------------------------------------------------------------------------


def test_all_files_move_after_confirming_their_count(client, coordinator, counsellor, dora, files):
    client.force_login(coordinator)
    url = reverse("beneficiaries:reassign", args=[counsellor.pk])
    page = client.get(url)
    assert "Tous ses dossiers (3)" in page_text(page)
    listed = AuditEntry.objects.filter(action=AuditAction.LIST).latest("pk")
    assert listed.detail == "portefeuille à réaffecter : 3 dossiers affichés"
    asked = client.post(url, {"target": dora.pk, "scope": "tous"})
    assert asked.status_code == 200 and "Confier 3 dossiers de Alice à Dora ?" in page_text(asked)
    assert referents()["Ardoise"] == "alice"  # nothing moved before the confirmation
    done = client.post(url, {"target": dora.pk, "scope": "tous", "expected": "3", "confirmed": "on"})
    assert done.url == CASELOADS
    assert referents() == {
        "Ardoise": "dora",
        "Bernard": "dora",
        "Chevalier": "dora",
        "Durand": "dora",
        "Étienne": None,
    }
    assert "3 dossiers confiés à Dora." in page_text(client.get(CASELOADS))
    assert Beneficiary.objects.get(pk=files["seen"].pk).version == 2  # an edit form opened before conflicts


def test_exactly_the_chosen_files_move(client, coordinator, counsellor, dora, files):
    client.force_login(coordinator)
    url = reverse("beneficiaries:reassign", args=[counsellor.pk])
    chosen = [files["seen"].pk, files["never"].pk]
    asked = client.post(url, {"target": dora.pk, "scope": "choisis", "files": chosen})
    text = page_text(asked)
    assert "Confier 2 dossiers" in text and "ARDOISE Anne" in text and "BERNARD" not in text
    client.post(
        url, {"target": dora.pk, "scope": "choisis", "files": chosen, "expected": "2", "confirmed": "on"}
    )
    assert referents() == {
        "Ardoise": "dora",
        "Bernard": "alice",
        "Chevalier": "dora",
        "Durand": "dora",
        "Étienne": None,
    }


def test_the_move_is_one_locked_update_in_one_transaction(counsellor, dora, coordinator, files):
    with CaptureQueriesContext(connection) as captured:
        moved = caseload_reassign(source=counsellor, target=dora, file_ids=None, expected=3, user=coordinator)
    assert moved == 3
    statements = [query["sql"] for query in captured.captured_queries]
    locks = [sql for sql in statements if "FOR UPDATE" in sql]
    updates = [sql for sql in statements if 'UPDATE "beneficiaries_beneficiary"' in sql]
    assert len(locks) == 1 and len(updates) == 1
    assert statements.index(locks[0]) < statements.index(updates[0])
    # The service's own transaction (a savepoint inside the test's).
    assert statements[0].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT")


def test_a_caseload_changed_since_the_confirmation_moves_nothing(
    client, coordinator, counsellor, dora, files
):
    client.force_login(coordinator)
    url = reverse("beneficiaries:reassign", args=[counsellor.pk])
    Beneficiary.objects.filter(pk=files["never"].pk).update(referent=None)  # meanwhile
    response = client.post(url, {"target": dora.pk, "scope": "tous", "expected": "3", "confirmed": "on"})
    assert response.status_code == 400
    assert "Le portefeuille a changé depuis votre confirmation (2 dossier(s) au lieu de 3)" in page_text(
        response
    )
    assert referents()["Ardoise"] == "alice"
    with pytest.raises(BeneficiaryError, match="changé"):
        caseload_reassign(
            source=counsellor,
            target=dora,
            file_ids=[files["seen"].pk, files["theirs"].pk],
            expected=2,
            user=coordinator,
        )
    assert referents()["Ardoise"] == "alice" and referents()["Durand"] == "dora"


def test_the_services_refuse_a_target_that_is_not_a_counsellor_or_the_same(counsellor, coordinator, files):
    for target in (coordinator, counsellor):
        with pytest.raises(BeneficiaryError):
            caseload_reassign(source=counsellor, target=target, file_ids=None, expected=3, user=coordinator)
    assert referents()["Ardoise"] == "alice"


HOSTILE = [
    ({"target": "²", "scope": "tous"}, "Conseiller ou conseillère inconnu·e"),
    ({"target": "999999", "scope": "tous"}, "Conseiller ou conseillère inconnu·e"),
    ({"target": "self", "scope": "tous"}, "Conseiller ou conseillère inconnu·e"),
    ({"target": "coordinator", "scope": "tous"}, "Conseiller ou conseillère inconnu·e"),
    ({"target": "", "scope": "tous"}, "Choisissez à qui confier les dossiers"),
    ({"target": "dora", "scope": "²"}, "Choix inconnu"),
    ({"target": "dora", "scope": "choisis"}, "Cochez au moins un dossier"),
    ({"target": "dora", "scope": "choisis", "files": ["²"]}, "Dossier inconnu dans ce portefeuille"),
    ({"target": "dora", "scope": "choisis", "files": ["١٢"]}, "Dossier inconnu dans ce portefeuille"),
    ({"target": "dora", "scope": "choisis", "files": ["999999"]}, "Dossier inconnu dans ce portefeuille"),
    ({"target": "dora", "scope": "choisis", "files": ["theirs"]}, "Dossier inconnu dans ce portefeuille"),
    ({"target": "dora", "scope": "choisis", "files": ["gone"]}, "Dossier inconnu dans ce portefeuille"),
    ({"target": "dora", "scope": "tous", "expected": "²", "confirmed": "on"}, "chiffres 0 à 9"),
    ({"target": "dora", "scope": "tous", "confirmed": "on"}, "Confirmation incomplète"),
    ({"target": "dora", "scope": "tous", "expected": "0", "confirmed": "on"}, "supérieure ou égale à 1"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE, ids=[str(data) for data, _ in HOSTILE])
def test_hostile_input_gets_a_french_error_a_400_and_moves_nothing(
    client, coordinator, counsellor, dora, files, data, message
):
    ids = {
        "self": counsellor.pk,
        "coordinator": coordinator.pk,
        "dora": dora.pk,
        "theirs": files["theirs"].pk,
        "gone": Beneficiary.objects.get(anonymised_at__isnull=False).pk,
    }
    sent = {
        key: ([str(ids.get(v, v)) for v in value] if isinstance(value, list) else str(ids.get(value, value)))
        for key, value in data.items()
    }
    client.force_login(coordinator)
    before = referents()
    response = client.post(reverse("beneficiaries:reassign", args=[counsellor.pk]), sent)
    assert response.status_code == 400
    assert message in page_text(response)
    assert referents() == before


def test_an_empty_caseload_cannot_be_moved(client, coordinator, dora, counsellor):
    client.force_login(coordinator)
    response = client.post(
        reverse("beneficiaries:reassign", args=[counsellor.pk]), {"target": dora.pk, "scope": "tous"}
    )
    assert response.status_code == 400 and "Ce portefeuille est vide" in page_text(response)


def test_the_reassign_page_takes_a_constant_number_of_queries(
    client, coordinator, counsellor, files, django_assert_num_queries
):
    client.force_login(coordinator)
    url = reverse("beneficiaries:reassign", args=[counsellor.pk])
    # session, user, the user's roles; the caseload's owner, its size, the audit entry
    # of the list shown, the counsellors to choose from, the files to choose from
    with django_assert_num_queries(8):
        client.get(url)
    for number in range(4):
        make_person(f"Autre{number}", "Personne", referent=counsellor)
    with django_assert_num_queries(8):
        client.get(url)

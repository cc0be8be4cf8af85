"""A file's referent counsellor and "Mes personnes": who may be a referent, the
one-click "Je suis le/la référent·e", the edit form, the caseload's columns,
order, filter and pages, in a constant number of queries; every counsellor
still opens every file; the city never sees any of it."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import AnonymisationReason, ReferralStatus
from beneficiaries.models import Appointment, Beneficiary
from beneficiaries.services import (
    NOT_A_COUNSELLOR,
    BeneficiaryError,
    beneficiary_anonymise,
    beneficiary_update,
)

from ..audit.helpers import columns, entries_of
from ..factories import make_permanence, make_person, make_visit
from .files import page_text
from .test_files import edit_data
from .test_followups import referral

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
CASELOAD = reverse("beneficiaries:caseload")


@pytest.fixture
def dora(other_counsellor):
    return other_counsellor


def session(venue, day, hour=9):
    return make_permanence(venue, day, start=f"{hour:02d}:00", end=f"{hour + 1:02d}:00")


def rows(response) -> list[str]:
    """The refs of the caseload page's rows, in their order."""
    return [person.ref for person in response.context["page"].object_list]


# --- who may be a referent ----------------------------------------------------------


def test_only_an_active_counsellor_can_be_a_referent(counsellor, coordinator, city):
    person = make_person()
    for user in (coordinator, city):
        with pytest.raises(BeneficiaryError, match="Seul un compte du rôle conseiller"):
            beneficiary_update(
                beneficiary_id=person.pk,
                expected_version=person.version,
                data={"last_name": person.last_name, "first_name": person.first_name, "referent": user},
                user=counsellor,
            )
    counsellor.is_active = False
    counsellor.save()
    with pytest.raises(BeneficiaryError, match=NOT_A_COUNSELLOR[:20]):
        beneficiary_update(
            beneficiary_id=person.pk,
            expected_version=person.version,
            data={"last_name": person.last_name, "first_name": person.first_name, "referent": counsellor},
            user=counsellor,
        )
    assert Beneficiary.objects.get(pk=person.pk).referent is None


def test_the_edit_form_sets_the_referent_and_offers_counsellors_only(client, counsellor, coordinator, dora):
    person = make_person()
    client.force_login(counsellor)
    url = reverse("beneficiaries:edit", args=[person.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["referent"].queryset) == [counsellor, dora]
    assert client.post(url, edit_data(person, referent=dora.pk)).status_code == 302
    person.refresh_from_db()
    assert (person.referent, person.version) == (dora, 2)
    assert "Référent·e : Dora" in page_text(client.get(reverse("beneficiaries:detail", args=[person.pk])))
    # The audit trail names the column, never the value.
    assert columns(entries_of(person, AuditAction.CHANGE)[-1]) == {"referent_id"}


@pytest.mark.parametrize("value", ["coordinator", "²", "١٢", "999999", "-1", "1.5"])
def test_the_edit_form_refuses_a_referent_that_is_not_a_counsellor(client, counsellor, coordinator, value):
    person = make_person()
    client.force_login(counsellor)
    sent = str(coordinator.pk) if value == "coordinator" else value
    response = client.post(reverse("beneficiaries:edit", args=[person.pk]), edit_data(person, referent=sent))
    assert response.status_code == 400
    assert "choisissez un conseiller ou une conseillère de la liste" in page_text(response)
    person.refresh_from_db()
    assert (person.referent, person.version) == (None, 1)


def test_a_referent_who_left_the_role_is_said_on_the_edit_form(client, counsellor, dora):
    person = make_person(referent=dora)
    dora.groups.clear()
    client.force_login(counsellor)
    text = page_text(client.get(reverse("beneficiaries:edit", args=[person.pk])))
    assert "Dora n'est plus conseiller ou conseillère" in text


# --- one click: "Je suis le/la référent·e" ---------------------------------------


def test_one_click_makes_the_counsellor_the_referent_of_a_file_without_one(client, counsellor, dora):
    person = make_person()
    client.force_login(counsellor)
    detail = reverse("beneficiaries:detail", args=[person.pk])
    assert "Je suis le/la référent·e" in page_text(client.get(detail))
    claim = reverse("beneficiaries:referent_claim", args=[person.pk])
    assert client.post(claim).url == detail
    assert client.post(claim).status_code == 302  # twice: harmless
    person.refresh_from_db()
    assert (person.referent, person.version) == (counsellor, 2)
    assert "Je suis le/la référent·e" not in page_text(client.get(detail))
    # Another counsellor does not take it by this button.
    client.force_login(dora)
    response = client.post(claim, follow=True)
    assert "Ce dossier a déjà un·e référent·e : Alice" in page_text(response)
    person.refresh_from_db()
    assert (person.referent, person.version) == (counsellor, 2)


def test_coordination_and_the_city_cannot_claim_and_an_anonymised_file_is_refused(
    client, counsellor, coordinator, city
):
    person = make_person()
    claim = reverse("beneficiaries:referent_claim", args=[person.pk])
    for user in (coordinator, city):
        client.force_login(user)
        assert client.post(claim).status_code == 403
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    client.force_login(counsellor)
    response = client.post(claim)
    assert response.status_code == 403 and "Ce dossier est anonymisé" in page_text(response)
    assert client.post(reverse("beneficiaries:referent_claim", args=[999999])).status_code == 404
    assert Beneficiary.objects.get(pk=person.pk).referent is None
    assert "Je suis le/la référent·e" not in page_text(
        client.get(reverse("beneficiaries:detail", args=[person.pk]))
    )


def test_an_anonymised_file_has_no_referent(counsellor):
    person = make_person(referent=counsellor)
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    assert Beneficiary.objects.get(pk=person.pk).referent is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.filter(pk=person.pk).update(referent=counsellor)


def test_every_counsellor_still_finds_and_opens_every_file(client, counsellor, dora):
    person = make_person("Zoubir", "Nadia", referent=dora)
    client.force_login(counsellor)
    assert client.get(reverse("beneficiaries:detail", args=[person.pk])).status_code == 200
    assert client.get(reverse("beneficiaries:edit", args=[person.pk])).status_code == 200
    assert person.ref in page_text(client.get(reverse("beneficiaries:search"), {"q": "zoubir"}))
    assert person.ref not in page_text(client.get(CASELOAD))


# --- Mes personnes ------------------------------------------------------------------


@pytest.fixture
def caseload(venue, today, counsellor, dora):
    """Alice's files: overdue, due later, an undated step, an old and a never seen one;
    Dora's, one without a referent and an anonymised one."""
    overdue = make_person("Ardoise", "Anne", referent=counsellor)
    make_visit(
        overdue, session(venue, today - 30 * DAY), next_step="Envoyer le CV", next_step_due=today - DAY
    )
    referral(overdue, today - 30 * DAY)
    referral(overdue, today - 30 * DAY)
    referral(overdue, today - 30 * DAY, ReferralStatus.DONE)
    later = make_person("Bernard", "Bruno", referent=counsellor)
    # An earlier step still open, but the latest visit has none: nothing shown.
    make_visit(later, session(venue, today - 20 * DAY), next_step="Ancienne étape", next_step_due=today)
    make_visit(later, session(venue, today - 10 * DAY), next_step="Rappeler", next_step_due=today + 5 * DAY)
    undated = make_person("Chevalier", "Chloé", referent=counsellor)
    make_visit(undated, session(venue, today - 5 * DAY), next_step="Atelier CV")
    old = make_person("Durand", "Denis", referent=counsellor)
    make_visit(
        old, session(venue, today - 200 * DAY), next_step="Fait", next_step_due=today, next_step_done_on=today
    )
    referral(old, today - 200 * DAY)
    never = make_person("Étienne", "Emma", referent=counsellor)
    theirs = make_person("Fontaine", "Félix", referent=dora)
    nobody = make_person("Garnier", "Gina")
    gone = make_person("Henry", "Hugo", referent=counsellor)
    beneficiary_anonymise(beneficiary=gone, reason=AnonymisationReason.ERASURE_REQUEST)
    return {
        "overdue": overdue,
        "later": later,
        "undated": undated,
        "old": old,
        "never": never,
        "theirs": theirs,
        "nobody": nobody,
    }


def test_mes_personnes_lists_the_caseload_most_urgent_first(client, counsellor, caseload, today):
    client.force_login(counsellor)
    response = client.get(CASELOAD)
    assert response.status_code == 200
    names = ("overdue", "later", "never", "old", "undated")
    assert rows(response) == [caseload[name].ref for name in names]
    by_ref = {person.ref: person for person in response.context["page"].object_list}
    overdue, later, old = (by_ref[caseload[name].ref] for name in ("overdue", "later", "old"))
    assert (overdue.last_visit, overdue.open_referrals, overdue.next_step_text, overdue.next_step_due) == (
        today - 30 * DAY,
        2,
        "Envoyer le CV",
        today - DAY,
    )
    assert (later.next_step_text, later.next_step_due) == ("Rappeler", today + 5 * DAY)
    assert (old.next_step_text, old.next_step_due, old.open_referrals) == (None, None, 1)
    text = page_text(response)
    assert "5 personnes." in text and "Jamais reçue" in text
    assert f"{today - DAY:%d/%m/%Y} en retard : Envoyer le CV" in text
    for name in ("theirs", "nobody"):
        assert caseload[name].ref not in text
    assert "Henry" not in text and "Anonyme" not in text


@pytest.mark.parametrize(
    ("situation", "expected"),
    [
        # The persons of the À relancer page: a step due, a referral waiting 15 days, unseen 3 months.
        ("a_relancer", ["overdue", "later", "old"]),
        ("etape", ["overdue", "later", "undated"]),
        ("orientation", ["overdue", "old"]),
    ],
)
def test_mes_personnes_filters(client, counsellor, caseload, situation, expected):
    client.force_login(counsellor)
    assert rows(client.get(CASELOAD, {"situation": situation})) == [caseload[name].ref for name in expected]


def test_the_follow_up_filter_keeps_the_persons_of_the_followups_page(client, counsellor, caseload):
    client.force_login(counsellor)
    followups = page_text(client.get(reverse("beneficiaries:followups")))
    listed = rows(client.get(CASELOAD, {"situation": "a_relancer"}))
    mine = Beneficiary.objects.caseload_of(counsellor)
    assert listed == [
        person.ref for person in mine if f"{person.last_name.upper()} {person.first_name}" in followups
    ]
    assert len(listed) == 3


def test_a_missed_follow_up_appointment_alone_puts_the_person_on_both_lists(
    client, counsellor, caseload, venue, today
):
    missed = make_person("Perrin", "Paul", referent=counsellor)
    Appointment.objects.create(beneficiary=missed, permanence=session(venue, today - 2 * DAY), time="09:00")
    came_back = make_person("Quentin", "Quitterie", referent=counsellor)
    Appointment.objects.create(
        beneficiary=came_back, permanence=session(venue, today - 9 * DAY), time="09:00"
    )
    make_visit(came_back, session(venue, today - 3 * DAY, hour=10))
    too_old = make_person("Roux", "Rémi", referent=counsellor)
    Appointment.objects.create(
        beneficiary=too_old, permanence=session(venue, today - 100 * DAY), time="09:00"
    )
    client.force_login(counsellor)
    page = client.get(reverse("beneficiaries:followups"))
    assert [row.beneficiary for row in page.context["missed"]] == [missed]
    listed = rows(client.get(CASELOAD, {"situation": "a_relancer"}))
    assert missed.ref in listed
    assert came_back.ref not in listed and too_old.ref not in listed
    assert sorted(listed) == sorted(
        [missed.ref] + [caseload[name].ref for name in ("overdue", "later", "old")]
    )


def test_mes_personnes_is_paginated(client, counsellor):
    for number in range(27):
        make_person(f"Nom{number:02d}", "Prénom", referent=counsellor)
    client.force_login(counsellor)
    first, second = client.get(CASELOAD), client.get(CASELOAD, {"page": "2"})
    assert len(rows(first)) == 25 and len(rows(second)) == 2
    assert "Page 2 sur 2" in page_text(second)


@pytest.mark.parametrize(
    "query", [{"page": "²"}, {"page": "١٢"}, {"page": "1²"}, {"situation": "²"}, {"situation": "autre"}]
)
def test_hostile_parameters_get_a_french_error_and_a_400(client, counsellor, caseload, query):
    client.force_login(counsellor)
    response = client.get(CASELOAD, query)
    assert response.status_code == 400
    text = page_text(response)
    assert "Numéro de page invalide" in text or "Choix inconnu" in text
    assert len(rows(response)) == 5  # the first page, unfiltered


def test_mes_personnes_takes_a_constant_number_of_queries(
    client, counsellor, venue, today, caseload, django_assert_num_queries
):
    client.force_login(counsellor)
    # session, user, the user's roles; count, rows with their figures, the audit entry of the list
    with django_assert_num_queries(6):
        client.get(CASELOAD)
    for number in range(5):
        person = make_person(f"Autre{number}", "Personne", referent=counsellor)
        make_visit(person, session(venue, today - (40 + number) * DAY), next_step="CV", next_step_due=today)
        referral(person, today)
        missed = session(venue, today - (2 + number) * DAY, hour=14)
        Appointment.objects.create(beneficiary=person, permanence=missed, time="14:00")
    with django_assert_num_queries(6):
        client.get(CASELOAD, {"situation": "a_relancer"})


def test_the_caseload_read_is_recorded_as_a_list(client, counsellor, caseload):
    client.force_login(counsellor)
    client.get(CASELOAD)
    entry = AuditEntry.objects.filter(action=AuditAction.LIST).latest("pk")
    assert entry.detail == "mes personnes : 5 dossiers affichés"


def test_the_navigation_shows_each_role_its_entry(client, counsellor, coordinator, city):
    expected = {counsellor: ("Mes personnes", None), coordinator: ("Portefeuilles", "Mes personnes")}
    for user, (shown, hidden) in expected.items():
        client.force_login(user)
        text = page_text(client.get(reverse("beneficiaries:followups")))
        assert shown in text and (hidden is None or hidden not in text)
    client.force_login(city)
    text = page_text(client.get(reverse("reporting:dashboard")))
    assert "Mes personnes" not in text and "Portefeuilles" not in text


def test_the_caseload_pages_have_stable_addresses():
    assert CASELOAD == "/personnes/mes-personnes/"
    assert reverse("beneficiaries:caseloads") == "/personnes/portefeuilles/"


def test_the_city_and_coordination_get_403_on_mes_personnes(client, coordinator, city):
    assert client.get(CASELOAD).url.startswith(reverse("login"))
    for user in (coordinator, city):
        client.force_login(user)
        assert client.get(CASELOAD).status_code == 403


def test_a_concurrent_change_of_referent_shows_on_the_conflict_page(client, counsellor, dora):
    person = make_person()
    client.force_login(counsellor)
    url = reverse("beneficiaries:edit", args=[person.pk])
    client.post(reverse("beneficiaries:referent_claim", args=[person.pk]))  # version 2
    response = client.post(url, edit_data(person, referent=dora.pk))  # opened at version 1
    assert response.status_code == 409
    text = page_text(response)
    assert "Référent·e différent Dora Alice" in text
    assert Beneficiary.objects.get(pk=person.pk).referent == counsellor


def test_a_merge_keeps_the_referent_or_takes_the_other_files(client, coordinator, counsellor, dora):
    kept, removed = make_person(), make_person("Martin", "Elodie", referent=dora)
    client.force_login(coordinator)
    url = reverse("beneficiaries:merge", args=[kept.pk, removed.pk])
    page = client.get(url)
    assert "Référent·e — Dora Dora" in page_text(page)
    client.post(
        url,
        {
            "token": page.context["form"]["token"].value(),
            "kept_version": 1,
            "removed_version": 1,
            "confirm": "on",
        },
    )
    assert Beneficiary.objects.get(pk=kept.pk).referent == dora
    other = make_person("Martin", "Élodie", referent=counsellor)
    beneficiary_merge(kept=Beneficiary.objects.get(pk=kept.pk), removed=other, user=coordinator)
    assert Beneficiary.objects.get(pk=kept.pk).referent == dora


def test_mes_personnes_shows_the_coming_follow_up_appointment(client, counsellor, caseload, venue, today):
    from permanences.enums import PermanenceStatus

    coming = make_permanence(
        venue, today + 3 * DAY, status=PermanenceStatus.PLANNED, start="14:00", end="17:00"
    )
    later = make_permanence(
        venue, today + 10 * DAY, status=PermanenceStatus.PLANNED, start="14:00", end="17:00"
    )
    past = session(venue, today - 2 * DAY)
    Appointment.objects.create(beneficiary=caseload["undated"], permanence=later, time="15:00")
    Appointment.objects.create(beneficiary=caseload["undated"], permanence=coming, time="14:30")
    Appointment.objects.create(beneficiary=caseload["never"], permanence=past, time="10:00")  # missed
    client.force_login(counsellor)
    by_ref = {person.ref: person for person in client.get(CASELOAD).context["page"].object_list}
    undated, never = by_ref[caseload["undated"].ref], by_ref[caseload["never"].ref]
    assert (undated.coming_appointment_date, str(undated.coming_appointment_time)) == (
        coming.date,
        "14:30:00",
    )
    assert never.coming_appointment_date is None
    assert f"{coming.date:%d/%m/%Y} à 14h30" in page_text(client.get(CASELOAD))

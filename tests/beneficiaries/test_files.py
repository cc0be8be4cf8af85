"""Creating a file (with the duplicate warning) and editing it (optimistic locking)."""

import datetime
import uuid

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary
from core.models import FormSubmission

from ..factories import make_permanence, make_person

pytestmark = pytest.mark.django_db


def person_data(**extra):
    return {"token": str(uuid.uuid4()), "last_name": "Martin", "first_name": "Élodie", "sex": "F", **extra}


def test_a_file_is_created_with_only_names_and_sex(logged, counsellor):
    response = logged.post(reverse("beneficiaries:create"), person_data())
    person = Beneficiary.objects.get()
    assert response.status_code == 302 and response.url == reverse("beneficiaries:detail", args=[person.pk])
    assert person.sex == "F" and person.birth_date is None and person.notice_given_on is None
    assert person.created_by == counsellor


def test_sex_may_be_not_stated_but_must_be_answered(logged):
    response = logged.post(reverse("beneficiaries:create"), person_data(sex=""))
    assert response.status_code == 400
    assert "Indiquez le sexe" in response.content.decode()
    logged.post(reverse("beneficiaries:create"), person_data(sex="N"))
    assert Beneficiary.objects.get().sex == "N"


def test_the_notice_given_is_recorded_with_today(logged, today):
    logged.post(reverse("beneficiaries:create"), person_data(notice_given="on"))
    assert Beneficiary.objects.get().notice_given_on == today


def test_the_notice_page_is_printable(logged):
    response = logged.get(reverse("beneficiaries:notice"))
    assert response.status_code == 200
    assert "Vos droits" in response.content.decode() and "data-print" in response.content.decode()


def test_likely_duplicates_are_shown_before_saving(logged):
    existing = make_person("Martin", "Elodie", birth_date=datetime.date(1985, 3, 12))
    data = person_data(birth_date="12/03/1985")
    response = logged.post(reverse("beneficiaries:create"), data)
    html = response.content.decode()
    assert "a peut-être déjà un dossier" in html
    assert reverse("beneficiaries:detail", args=[existing.pk]) in html
    assert "Même nom et même date de naissance" in html
    assert Beneficiary.objects.count() == 1
    # Confirming creates the new file anyway.
    logged.post(reverse("beneficiaries:create"), {**data, "confirm_new": "on"})
    assert Beneficiary.objects.count() == 2


def test_close_names_and_swapped_names_are_likely_duplicates():
    existing = make_person("Lefèvre", "Élodie")
    swapped = make_person("Élodie", "Lefèvre")
    other = make_person("Durand", "Paul", sex="M")
    found = set(
        Beneficiary.objects.likely_duplicates(last_name="Lefevre", first_name="Elodie", birth_date=None)
    )
    assert {existing, swapped} <= found and other not in found
    # Typo: close names (pg_trgm).
    assert existing in Beneficiary.objects.likely_duplicates(
        last_name="Lefevrre", first_name="Elodie", birth_date=None
    )


def test_creating_from_a_permanence_goes_on_to_the_visit(logged, venue, today):
    permanence = make_permanence(venue, today)
    response = logged.post(f"{reverse('beneficiaries:create')}?permanence={permanence.pk}", person_data())
    person = Beneficiary.objects.get()
    assert response.url == reverse("beneficiaries:visit_create", args=[person.pk, permanence.pk])


def test_double_submitting_the_create_form_makes_one_file(logged):
    data = person_data()
    first = logged.post(reverse("beneficiaries:create"), data)
    second = logged.post(reverse("beneficiaries:create"), data)  # double click, replay, back button
    assert Beneficiary.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url
    assert FormSubmission.objects.count() == 1


def test_a_create_form_without_its_token_is_refused(logged):
    response = logged.post(reverse("beneficiaries:create"), {**person_data(), "token": ""})
    assert response.status_code == 400 and "Formulaire expiré" in response.content.decode()
    assert not Beneficiary.objects.exists()


def edit_data(person, **changes):
    data = {
        "version": person.version,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "sex": person.sex,
        "birth_date": "",
        "phone": person.phone,
        "email": "",
        "quarter": "",
        "france_travail": "",
        "rsa": "",
        "rqth": "",
        "qualification_level": "",
    }
    return {**data, **changes}


def test_editing_bumps_the_version_and_keeps_the_search_key(logged):
    person = make_person()
    response = logged.post(
        reverse("beneficiaries:edit", args=[person.pk]), edit_data(person, last_name="Müller")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.last_name, person.search_key, person.version) == ("Müller", "muller elodie", 2)


def test_a_concurrent_edit_shows_a_conflict_and_overwrites_nothing(client, logged, coordinator):
    person = make_person(phone="06 39 98 00 01")
    opened_by_alice = edit_data(person, phone="06 39 98 00 02")
    opened_by_bob = edit_data(person, phone="06 39 98 00 03", first_name="Élodie-Anne")
    other = client.__class__()
    other.force_login(coordinator)
    assert other.post(reverse("beneficiaries:edit", args=[person.pk]), opened_by_bob).status_code == 302
    response = logged.post(reverse("beneficiaries:edit", args=[person.pk]), opened_by_alice)
    assert response.status_code == 409
    html = response.content.decode()
    assert "modifié pendant votre saisie" in html
    assert "06 39 98 00 02" in html and "06 39 98 00 03" in html  # both versions shown
    person.refresh_from_db()
    assert person.phone == "06 39 98 00 03" and person.first_name == "Élodie-Anne" and person.version == 2


def test_extra_post_fields_change_nothing(logged, counsellor, coordinator):
    other = make_person("Autre", "Personne")
    response = logged.post(
        reverse("beneficiaries:create"),
        person_data(created_by=coordinator.pk, ref=other.ref, is_staff="on", version="99", search_key="x"),
    )
    assert response.status_code == 302
    person = Beneficiary.objects.exclude(pk=other.pk).get()
    assert person.created_by == counsellor and person.ref != other.ref and person.version == 1
    assert person.search_key == "martin elodie"
    counsellor.refresh_from_db()
    assert not counsellor.is_staff


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_name": "x" * 10000}, "au plus 100 caractères"),
        ({"first_name": "Zo\x00é"}, "caractère nul"),
        ({"birth_date": "31/02/2025"}, "Date invalide"),
        ({"birth_date": "01/01/2999"}, "dans le futur"),
        ({"birth_date": "01/01/1850"}, "invraisemblable"),
        ({"sex": "X"}, "Sélectionnez un choix valide"),
        ({"quarter": "999999"}, "Sélectionnez un choix valide"),
        ({"rsa": "peut-être"}, "Sélectionnez un choix valide"),
        ({"email": "pas un courriel"}, "adresse de courriel valide"),
    ],
)
def test_hostile_person_input_is_refused_in_french(logged, changes, message):
    response = logged.post(reverse("beneficiaries:create"), person_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_markup_and_quotes_in_names_are_stored_and_shown_escaped(logged):
    name = '<script>alert(1)</script>" onmouseover="x'
    logged.post(reverse("beneficiaries:create"), person_data(last_name=name, first_name="Zoé'\""))
    person = Beneficiary.objects.get()
    assert person.last_name == name
    for url in (reverse("beneficiaries:detail", args=[person.pk]), reverse("beneficiaries:list")):
        html = logged.get(url).content.decode()
        assert "<script>alert(1)" not in html.lower()
        assert 'onmouseover="x' not in html.lower()
        assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;&quot; ONMOUSEOVER=&quot;X" in html

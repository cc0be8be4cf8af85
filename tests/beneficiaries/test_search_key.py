"""The normalised search key follows the names on every save path, and the
file reference is generated when missing, readable and never reused."""

import uuid

import pytest
from django import forms
from django.urls import reverse

from beneficiaries.enums import Sex
from beneficiaries.models import Beneficiary, RefSequence, next_ref
from beneficiaries.normalise import normalise, search_key

from ..factories import make_person

pytestmark = pytest.mark.django_db


def key_in_db(person):
    return Beneficiary.objects.values_list("search_key", flat=True).get(pk=person.pk)


def test_normalise_strips_accents_case_and_punctuation():
    assert normalise("  Élodie D'ÀRC-Nguyễn ") == "elodie d arc nguyen"
    assert normalise("Œdipe Æsir Łukasz Yıldız Straße") == "oedipe aesir lukasz yildiz strasse"
    # Decomposed input (e + combining acute accent) matches the composed one.
    assert normalise("Ele\u0301onore") == normalise("Éléonore".replace("É", "E"))
    assert normalise("Иванова") == "иванова"


def test_model_save_sets_the_key():
    person = make_person("Lefèvre", "Zoé")
    assert key_in_db(person) == "lefevre zoe"
    person.first_name = "Chloé"
    person.save(update_fields=["first_name"])
    assert key_in_db(person) == "lefevre chloe"


def test_model_form_sets_the_key():
    class PersonForm(forms.ModelForm):
        class Meta:
            model = Beneficiary
            fields = ["last_name", "first_name", "sex"]

    form = PersonForm({"last_name": "Núñez", "first_name": "Inès", "sex": Sex.FEMALE})
    assert form.is_valid(), form.errors
    assert key_in_db(form.save()) == "nunez ines"


def test_admin_sets_the_key(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:beneficiaries_beneficiary_add"),
        {"last_name": "Bénédicte", "first_name": "Ève", "sex": Sex.FEMALE},
    )
    assert response.status_code == 302, response.context["adminform"].errors
    person = Beneficiary.objects.get()
    assert person.search_key == "benedicte eve"
    assert person.created_by == admin_user


def test_bulk_create_sets_the_key_and_the_ref():
    Beneficiary.objects.bulk_create(
        [
            Beneficiary(last_name="Ngô", first_name="Thảo", sex=Sex.FEMALE),
            Beneficiary(last_name="Çelik", first_name="Emre", sex=Sex.MALE),
        ]
    )
    assert sorted(Beneficiary.objects.values_list("search_key", flat=True)) == ["celik emre", "ngo thao"]
    assert all(Beneficiary.objects.values_list("ref", flat=True))


def test_bulk_update_sets_the_key():
    person = make_person("Martin", "Léa")
    person.last_name = "Müller"
    Beneficiary.objects.bulk_update([person], ["last_name"])
    assert key_in_db(person) == "muller lea"


def test_queryset_update_sets_the_key():
    first = make_person("Dupont", "Anaïs")
    second = make_person("Dupont", "Hélène")
    Beneficiary.objects.filter(last_name="Dupont").update(last_name="Durand-Séguin")
    assert key_in_db(first) == "durand seguin anais"
    assert key_in_db(second) == "durand seguin helene"


def test_search_key_helper_matches_the_stored_key():
    person = make_person("De La Tour", "Marie-José")
    assert key_in_db(person) == search_key("de la tour", "MARIE JOSE")


def test_ref_is_generated_readable_and_never_reused(today):
    first = make_person("Un", "Premier")
    second = make_person("Deux", "Second")
    year = today.year
    assert first.ref == f"{year}-00001"
    assert second.ref == f"{year}-00002"
    second.delete()
    assert make_person("Trois", "Troisième").ref == f"{year}-00003"


def test_ref_generation_skips_an_imported_reference(today):
    make_person("Importé", "Dossier", ref=f"{today.year}-00001")
    assert next_ref() == f"{today.year}-00002"
    assert RefSequence.objects.get(year=today.year).last == 2


def test_given_ref_is_kept():
    assert make_person(ref="2015-00420").ref == "2015-00420"


def test_names_that_normalise_longer_than_they_are_fit_and_are_found(client, counsellor):
    """100 « ß » become 200 « s » once normalised: the key is cut to its column."""
    client.force_login(counsellor)
    response = client.post(
        reverse("beneficiaries:create"),
        {"token": str(uuid.uuid4()), "last_name": "ß" * 100, "first_name": "ﬃ" * 100, "sex": "N"},
    )
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert len(person.search_key) <= Beneficiary._meta.get_field("search_key").max_length
    assert person.search_key.startswith("ss" * 100)
    assert list(Beneficiary.objects.search("ß" * 100)) == [person]
    assert client.get(reverse("beneficiaries:search"), {"q": "ß" * 100}).status_code == 200

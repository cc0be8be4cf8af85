"""Outcomes: validated, and the end date asked for (but not required) where expected."""

import uuid

import pytest
from django.urls import reverse

from beneficiaries.models import Outcome

from ..factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return make_person()


def outcome_data(**extra):
    return {
        "token": str(uuid.uuid4()),
        "kind": "cdi",
        "start_date": "02/03/2020",
        "end_date": "",
        "working_time": "temps_plein",
        "employer": "Crèche associative",
        **extra,
    }


def post(client, person, data):
    return client.post(reverse("beneficiaries:outcome_create", args=[person.pk]), data)


def test_a_cdi_is_recorded_without_end_date(logged, person):
    assert post(logged, person, outcome_data()).status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.kind, str(outcome.start_date), outcome.end_date) == ("cdi", "2020-03-02", None)


@pytest.mark.parametrize("kind", ["cdd", "interim", "formation"])
def test_the_end_date_is_asked_for_then_may_be_left_unknown(logged, person, kind):
    response = post(logged, person, outcome_data(kind=kind))
    assert response.status_code == 400
    assert "La date de fin est attendue" in response.content.decode()
    assert "Date de fin inconnue" in response.content.decode()
    assert not Outcome.objects.exists()
    assert post(logged, person, outcome_data(kind=kind, end_unknown="on")).status_code == 302
    assert Outcome.objects.get().end_date is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "stage"}, "Type de sortie inconnu"),
        ({"kind": "cdd", "end_date": "01/03/2020"}, "égale ou postérieure"),
        ({"start_date": "31/02/2020"}, "Date invalide"),
        ({"start_date": "31/12/1989"}, "invraisemblable (31/12/1989) : avant 1990"),
        ({"start_date": "01/01/2099"}, "invraisemblable"),
        ({"kind": "cdd", "end_date": "01/01/2040"}, "plus de dix ans"),
        ({"working_time": "mi-temps"}, "Sélectionnez un choix valide"),
        ({"employer": "x" * 300}, "au plus 255 caractères"),
    ],
)
def test_bad_outcomes_are_refused(logged, person, changes, message):
    response = post(logged, person, outcome_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Outcome.objects.exists()


def test_same_day_end_is_fine_and_double_submit_records_once(logged, person):
    data = outcome_data(kind="cdd", end_date="02/03/2020")
    post(logged, person, data)
    post(logged, person, data)
    assert Outcome.objects.count() == 1


def test_an_outcome_is_corrected(logged, person):
    post(logged, person, outcome_data())
    outcome = Outcome.objects.get()
    data = outcome_data(kind="cdd", end_date="30/09/2020", version=outcome.version, reason="erreur_saisie")
    data.pop("token")
    response = logged.post(reverse("beneficiaries:outcome_edit", args=[person.pk, outcome.pk]), data)
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.kind == "cdd" and str(outcome.end_date) == "2020-09-30"


def test_an_outcome_of_another_person_is_not_found(logged, person):
    post(logged, person, outcome_data())
    other = make_person("Autre", "Personne")
    url = reverse("beneficiaries:outcome_edit", args=[other.pk, Outcome.objects.get().pk])
    assert logged.get(url).status_code == 404

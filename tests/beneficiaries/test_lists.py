"""The person and visit lists: filters, allow-listed sorting, pagination."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.enums import OutcomeKind, TriState
from beneficiaries.models import Outcome
from permanences.models import Quarter, Venue

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def cast(quarter, venue):
    other_quarter = Quarter.objects.create(name="La Noue")
    other_venue = Venue.objects.create(name="Lieu de La Noue", quarter=other_quarter)
    ada = make_person("Ada", "Lovelace", quarter=quarter, rsa=TriState.YES, birth_date=D(1990, 1, 1))
    bea = make_person("Béa", "Zola", quarter=other_quarter, rsa=TriState.NO, birth_date=D(1980, 1, 1))
    cyr = make_person("Cyr", "Ader", sex="M")
    make_visit(ada, make_permanence(venue, D(2020, 1, 6)))
    make_visit(bea, make_permanence(other_venue, D(2021, 6, 1)))
    make_visit(cyr, make_permanence(venue, D(2021, 12, 31)))
    Outcome.objects.create(beneficiary=bea, kind=OutcomeKind.CDI, start_date=D(2021, 9, 1))
    return {"ada": ada, "bea": bea, "cyr": cyr, "other_venue": other_venue, "other_quarter": other_quarter}


def listed(client, **params):
    response = client.get(reverse("beneficiaries:list"), params)
    assert response.status_code == 200
    return [p.last_name for p in response.context["page"].object_list]


def test_filters_of_the_person_list(logged, cast, quarter, venue):
    assert listed(logged) == ["Ada", "Béa", "Cyr"]
    assert listed(logged, quarter=quarter.pk) == ["Ada"]
    assert listed(logged, venue=cast["other_venue"].pk) == ["Béa"]
    assert listed(logged, rsa="oui") == ["Ada"]
    assert listed(logged, rsa="inconnu") == ["Cyr"]
    assert listed(logged, seen_from="01/01/2021", seen_until="30/06/2021") == ["Béa"]
    assert listed(logged, seen_until="31/12/2020") == ["Ada"]
    assert listed(logged, has_outcome="true") == ["Béa"]
    assert listed(logged, has_outcome="false") == ["Ada", "Cyr"]


def test_sorting_is_limited_to_an_allow_list(logged, cast):
    assert listed(logged, order="-naissance") == ["Ada", "Béa", "Cyr"]
    assert listed(logged, order="dernier_rdv") == ["Ada", "Béa", "Cyr"]
    assert listed(logged, order="-dernier_rdv") == ["Cyr", "Béa", "Ada"]
    for hostile in ("password", "search_key", "-created_by__password", "1; DROP TABLE x"):
        response = logged.get(reverse("beneficiaries:list"), {"order": hostile})
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()


def test_the_visit_list_filters_by_venue_counsellor_period_and_permanence(logged, cast, venue, counsellor):
    def visits(**params):
        response = logged.get(reverse("beneficiaries:visits"), params)
        assert response.status_code == 200
        return [v.beneficiary.last_name for v in response.context["page"].object_list]

    assert visits() == ["Cyr", "Béa", "Ada"]
    assert visits(venue=venue.pk) == ["Cyr", "Ada"]
    assert visits(date_from="01/01/2021", date_until="31/12/2021") == ["Cyr", "Béa"]
    assert visits(order="personne") == ["Ada", "Béa", "Cyr"]
    permanence = cast["ada"].visits.get().permanence
    assert visits(permanence=permanence.pk) == ["Ada"]
    assert visits(counsellor=counsellor.pk) == []
    assert visits(date_from="31/02/2021") == ["Cyr", "Béa", "Ada"]  # invalid date: said, not applied


def test_list_dates_are_read_as_the_forms_read_them(logged, cast):
    assert listed(logged, seen_from="2021-01-01", seen_until=" 30/06/2021 ") == ["Béa"]
    response = logged.get(reverse("beneficiaries:visits"), {"date_from": "31/02/2021"})
    assert "Date invalide : saisissez-la sous la forme jj/mm/aaaa." in response.content.decode()


def test_lists_are_paginated(logged, venue):
    for n in range(30):
        make_person(f"Nom{n:02d}", "Prénom")
    response = logged.get(reverse("beneficiaries:list"), {"page": 2})
    assert len(response.context["page"].object_list) == 5
    assert "Page 2 sur 2" in response.content.decode()
    assert logged.get(reverse("beneficiaries:list"), {"page": "abc"}).status_code == 200
    assert logged.get(reverse("beneficiaries:list"), {"page": "99"}).status_code == 200


def test_htmx_gets_only_the_results(logged, cast):
    response = logged.get(reverse("beneficiaries:list"), {"rsa": "oui"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "ADA" in html and "BÉA" not in html

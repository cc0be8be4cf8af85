"""Finding a person: accents, case, typos (PostgreSQL), phone, birth date, reference."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary

from ..factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "elodie": make_person(
            "Lefèvre", "Élodie", birth_date=datetime.date(1985, 3, 12), phone="06 39 98 01 02"
        ),
        "eloise": make_person("Lefebvre", "Éloïse", birth_date=datetime.date(1990, 7, 1)),
        "mamadou": make_person("Diallo", "Mamadou", sex="M", phone="+33 6 39 98 44 55"),
        "nguyen": make_person("Nguyễn", "Thị Lan"),
    }


def found(text):
    return list(Beneficiary.objects.search(text))


def test_search_ignores_accents_and_case(people):
    assert found("LEFEVRE") == [people["elodie"]]
    assert found("elodie lefevre") == [people["elodie"]]
    assert found("NGUYEN thi") == [people["nguyen"]]
    assert found("Lefèvre Élodie") == [people["elodie"]]


def test_search_tolerates_a_typo_on_postgresql(people):
    # "Diallo" misspelt, accent-free, lower case.
    assert people["mamadou"] in found("dialo")
    assert people["elodie"] in found("lefevr elodei")


def test_best_match_comes_first(people):
    assert found("lefevre")[0] == people["elodie"]


def test_search_by_birth_date_typed_dd_mm_yyyy(people):
    assert found("12/03/1985") == [people["elodie"]]
    assert found("31/02/1985") == []  # impossible date: no match, no error


def test_search_by_phone_in_any_form(people):
    assert found("0639980102") == [people["elodie"]]
    assert found("06.39.98.44.55") == [people["mamadou"]]
    assert found("+33 6 39 98 01 02") == [people["elodie"]]


def test_search_by_reference(people):
    assert found(people["eloise"].ref) == [people["eloise"]]


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "%", "_", "%%", "a", "  ", "<script>", "\x00"])
def test_hostile_or_too_short_queries_find_nothing_and_never_fail(client, counsellor, people, hostile):
    assert found(hostile) == []
    client.force_login(counsellor)
    response = client.get(reverse("beneficiaries:search"), {"q": hostile})
    assert response.status_code == 200
    assert response.context["results"] == []


def test_what_was_typed_is_shown_escaped(client, counsellor, people):
    client.force_login(counsellor)
    typed = "<script>alert(1)</script>"
    html = client.get(reverse("beneficiaries:search"), {"q": typed}).content.decode()
    assert "Aucune personne ne correspond à « &lt;script&gt;alert(1)&lt;/script&gt; »" in html
    assert typed not in html


def test_search_page_shows_what_tells_homonyms_apart(client, counsellor, people, venue):
    client.force_login(counsellor)
    response = client.get(reverse("beneficiaries:search"), {"q": "lefevre"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html  # the htmx partial only
    assert "12/03/1985" in html and people["elodie"].ref in html
    assert "aucun rendez-vous" in html


def test_search_results_offer_to_log_a_visit_at_the_permanence(client, counsellor, people, venue, today):
    from ..factories import make_permanence

    permanence = make_permanence(venue, today)
    client.force_login(counsellor)
    response = client.get(reverse("beneficiaries:search"), {"q": "diallo", "permanence": permanence.pk})
    url = reverse("beneficiaries:visit_create", args=[people["mamadou"].pk, permanence.pk])
    assert url in response.content.decode()


@pytest.mark.parametrize(("matching", "shown", "warned"), [(20, 20, False), (21, 20, True)])
def test_only_twenty_results_are_shown_and_said_only_when_there_are_more(
    client, counsellor, matching, shown, warned
):
    Beneficiary.objects.bulk_create(
        Beneficiary(last_name="Moreau", first_name=f"Prénom{n:02d}", sex="F") for n in range(matching)
    )
    client.force_login(counsellor)
    response = client.get(reverse("beneficiaries:search"), {"q": "moreau"}, headers={"HX-Request": "true"})
    assert len(response.context["results"]) == shown
    warning = "Seuls les 20 premiers résultats sont affichés : précisez la recherche."
    assert (warning in response.content.decode()) is warned

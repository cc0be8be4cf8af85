"""The dashboards of coordination and the city: who sees what, bad input, query counts."""

import re

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from reporting.bilan import compute_bilan
from reporting.models import PublishedBilan
from reporting.services import bilan_publish

from ..factories import make_person, make_visit
from .conftest import SECRET_NAMES, YEAR

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")


def page(client, user, url=DASHBOARD, **params):
    client.force_login(user)
    response = client.get(url, params)
    return response, response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client):
    for url in [DASHBOARD, reverse("reporting:export", args=["pdf"]), reverse("reporting:publish")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["outsider", "counsellor"])
def test_other_roles_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    for url in [
        DASHBOARD,
        reverse("reporting:export", args=["csv"]),
        reverse("reporting:publish"),
        reverse("reporting:quality"),
    ]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("role", "words"),
    [
        (
            "coordinator",
            "9 personnes accompagnées, dont 78 % de femmes et 11 % d&#x27;hommes ; "
            "12 rendez-vous individuels ; 2 personnes ont trouvé un emploi ou une formation : 1 CDI, 0 CDD, "
            "0 contrat aidé ou d&#x27;apprentissage, 1 formation.",
        ),
        # The city: the one man, hence his share, and the counts from 1 to 4 are not given.
        (
            "city",
            "9 personnes accompagnées, dont 78 % de femmes ; 12 rendez-vous individuels ; "
            "moins de 5 personnes ont trouvé un emploi ou une formation : moins de 5 CDI, 0 CDD, "
            "0 contrat aidé ou d&#x27;apprentissage, moins de 5 formations.",
        ),
    ],
)
def test_the_headline_reads_like_the_council_report(client, request, dataset, role, words):
    response, html = page(client, request.getfixturevalue(role), year=YEAR)
    assert response.status_code == 200
    assert words in html
    for chart in ("graphique-mois", "graphique-sorties", "graphique-quartiers", "graphique-ages"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert "Comparaison avec 2022" in html
    assert "Activité par lieu d&#x27;accueil" in html


def test_the_page_needs_no_javascript_and_no_inline_style(client, coordinator, dataset):
    _, html = page(client, coordinator, year=YEAR)
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*nonce=)", html)
    # Each chart has its data as a table (the text alternative).
    assert html.count("Données du graphique") == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "Année inconnue"),
        ({"year": "1850"}, "Année inconnue"),
        ({"year": "3000"}, "Année inconnue"),
        ({"venue": "999999"}, "Lieu d&#x27;accueil inconnu"),
        ({"venue": "abc"}, "Lieu d&#x27;accueil inconnu"),
        ({"quarter": "999999"}, "Quartier inconnu"),
        ({"chiffres": "faux"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_a_default_bilan(client, coordinator, dataset, params, message):
    response, html = page(client, coordinator, **params)
    assert response.status_code == 200
    assert message in html
    assert "Bilan " in html


def test_a_venue_and_a_quarter_together_fall_back_to_all_venues(client, coordinator, dataset):
    venue, other = dataset["venues"]
    _, html = page(client, coordinator, year=YEAR, venue=venue.pk, quarter=other.quarter_id)
    assert "Choisissez un lieu ou un quartier, pas les deux" in html
    assert "Tous les lieux d&#x27;accueil" in html


def test_a_bilan_can_be_restricted_to_a_venue(client, coordinator, dataset):
    venue, _ = dataset["venues"]
    _, html = page(client, coordinator, year=YEAR, venue=venue.pk)
    assert f"Lieu d&#x27;accueil : {venue.name}" in html


def test_the_city_sees_the_published_figures_and_what_changed_since(client, city, coordinator, dataset):
    bilan_publish(year=YEAR, user=coordinator, note="Conseil du 12 mars")
    _, html = page(client, city, year=YEAR)
    assert "Chiffres publiés le" in html and "par Bob" in html and "Conseil du 12 mars" in html
    assert "diffèrent" not in html

    # A file completed since: today's figures differ, the published ones stay.
    late = make_person("Tardif", "Eva")
    make_visit(late, dataset["persons"][0].visits.order_by("date")[1].permanence)
    _, html = page(client, city, year=YEAR)
    assert "9 personnes accompagnées" in html
    assert "Les chiffres du jour diffèrent des chiffres publiés" in html
    assert "Voir les chiffres du jour" in html
    _, live = page(client, city, year=YEAR, chiffres="jour")
    assert "10 personnes accompagnées" in live and "Chiffres du jour" in live


@pytest.mark.parametrize("scope", ["venue", "quarter"])
def test_a_restricted_bilan_is_always_computed_live(client, city, coordinator, dataset, scope):
    bilan_publish(year=YEAR, user=coordinator)
    venue, _ = dataset["venues"]
    # A visit recorded since the publication: only today's figures count it.
    make_visit(make_person("Tardif", "Eva"), venue.permanences.get(date__year=YEAR, date__month=1))
    params = {"venue": venue} if scope == "venue" else {"quarter": venue.quarter}
    response, html = page(client, city, year=YEAR, **{key: value.pk for key, value in params.items()})
    report = response.context["report"]
    assert not report.is_published
    assert report.bilan.as_dict() == compute_bilan(YEAR, **params).as_dict()
    assert "Les bilans publiés portent sur l&#x27;ensemble des lieux : voici les chiffres du jour." in html


def test_coordination_finds_the_publish_button_on_a_finished_year_the_city_does_not(
    client, city, coordinator, dataset
):
    publish = reverse("reporting:publish")
    _, html = page(client, coordinator, year=YEAR)
    assert f"Publier le bilan {YEAR}" in html and publish in html
    _, html = page(client, city, year=YEAR)
    assert "Publier le bilan" not in html and publish not in html


def test_without_publication_the_city_sees_todays_figures_and_is_told(client, city, dataset):
    _, html = page(client, city, year=YEAR)
    assert f"Le bilan {YEAR} n&#x27;a pas été publié : voici les chiffres du jour." in html


def test_coordination_sees_live_figures_and_the_publication_exists(client, coordinator, dataset):
    bilan_publish(year=YEAR, user=coordinator)
    _, html = page(client, coordinator, year=YEAR)
    assert "Chiffres du jour" in html and "voir les chiffres publiés" in html


def test_small_counts_of_cross_tabulations_are_hidden_from_the_city_only(client, city, coordinator, dataset):
    _, masked = page(client, city, year=YEAR, chiffres="jour")
    _, full = page(client, coordinator, year=YEAR)
    quarter_table = re.compile(r'id="tableau-quartiers".*?</table>', re.S)
    assert "&lt; 5" in quarter_table.search(masked).group()
    assert "&lt; 5" not in full
    assert "secret statistique" in masked


def test_the_city_never_sees_a_name(client, city, dataset):
    _, html = page(client, city, year=YEAR, chiffres="jour")
    for name in SECRET_NAMES:
        assert name not in html
    assert reverse("beneficiaries:list") not in html


def nominative_urls(dataset):
    person = dataset["persons"][0]
    visit = Visit.objects.filter(beneficiary=person).first()
    permanence = visit.permanence
    outcome = Outcome.objects.filter(beneficiary=person).first()
    referral = Referral.objects.filter(beneficiary=person).first()
    return [
        reverse("beneficiaries:list"),
        reverse("beneficiaries:search") + "?q=Zeb",
        reverse("beneficiaries:create"),
        reverse("beneficiaries:notice"),
        reverse("beneficiaries:followups"),
        reverse("beneficiaries:visits"),
        reverse("beneficiaries:desk", args=[permanence.pk]),
        reverse("beneficiaries:detail", args=[person.pk]),
        reverse("beneficiaries:edit", args=[person.pk]),
        reverse("beneficiaries:visit_create", args=[person.pk, permanence.pk]),
        reverse("beneficiaries:outcome_create", args=[person.pk]),
        reverse("beneficiaries:outcome_edit", args=[person.pk, outcome.pk]),
        reverse("beneficiaries:list") + "?qualite=sexe_non_precise",
        reverse("reporting:quality"),
        reverse("reporting:publish"),
        reverse("permanences:today"),
        reverse("messaging:list"),
        reverse("messaging:compose", args=[person.pk]),
        reverse("admin:index"),
    ], [
        reverse("beneficiaries:notice_given", args=[person.pk]),
        reverse("beneficiaries:consent", args=[person.pk]),
        reverse("messaging:compose", args=[person.pk]),
        reverse("beneficiaries:next_step_done", args=[visit.pk]),
        reverse("beneficiaries:referral_status", args=[referral.pk]),
    ]


def test_the_city_gets_403_or_404_on_every_nominative_page(client, city, dataset):
    client.force_login(city)
    pages, actions = nominative_urls(dataset)
    for url in pages:
        response = client.get(url)
        if url.startswith("/admin/"):
            assert response.status_code == 302 and "login" in response.url, url
        else:
            assert response.status_code in (403, 404), url
        for name in SECRET_NAMES:
            assert name not in response.content.decode(), url
    for url in actions:
        assert client.post(url).status_code in (403, 404), url
    # Walking ids of persons finds nothing either.
    last = Beneficiary.objects.order_by("-pk").first().pk
    for pk in range(last - 2, last + 3):
        assert client.get(reverse("beneficiaries:detail", args=[pk])).status_code in (403, 404)


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        # session, user, roles; years offered; publications of Y and Y-1; the venues
        # and quarters of the form; the data version; two live bilans of eight
        # queries each (this test's writes are not committed: no shared cache,
        # tests/reporting/test_cached.py); the messages to persons per month.
        ("coordinator", 25),
        # The same: with a publication, Y-1 is still live (not published).
        ("city", 25),
    ],
)
def test_the_dashboard_takes_a_constant_number_of_queries(
    client, request, dataset, coordinator, role, queries, django_assert_num_queries
):
    bilan_publish(year=YEAR, user=coordinator)
    user = request.getfixturevalue(role)
    client.force_login(user)
    with django_assert_num_queries(queries):
        assert client.get(DASHBOARD, {"year": YEAR}).status_code == 200
    # More rows of everything: the same count.
    extra = make_person("Encore", "Une")
    make_visit(extra, dataset["persons"][1].visits.order_by("date")[1].permanence)
    with django_assert_num_queries(queries):
        assert client.get(DASHBOARD, {"year": YEAR}).status_code == 200


def test_with_both_years_published_the_city_page_computes_one_live_bilan(
    client, city, coordinator, dataset, django_assert_num_queries
):
    bilan_publish(year=YEAR - 1, user=coordinator)
    bilan_publish(year=YEAR, user=coordinator)
    assert PublishedBilan.objects.count() == 2
    client.force_login(city)
    with django_assert_num_queries(17):  # the data version, one live bilan (8), the messages per month
        response = client.get(DASHBOARD, {"year": YEAR})
    assert "Comparaison avec 2022" in response.content.decode()


def test_the_total_row_of_a_cross_table_hides_its_small_counts_too(client, city, dataset):
    _, html = page(client, city, year=YEAR, chiffres="jour")
    table = re.search(r'id="tableau-quartiers".*?</table>', html, re.S).group()
    total = re.search(r"<tr class=\"fw-semibold table-group-divider\">.*?</tr>", table, re.S).group()
    # 9 persons: 7 women, 1 man, 1 not stated, as in the headline (which gives no small count).
    assert re.findall(r">([^<]+)</td>", total) == ["9", "7", "&lt; 5", "&lt; 5", "12"]

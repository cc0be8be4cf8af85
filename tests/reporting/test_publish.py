"""Publishing a year: coordination freezes the full figures, with who and when."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.enums import AnonymisationReason
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_anonymise
from reporting.bilan import compute_bilan
from reporting.models import PublishedBilan
from reporting.services import BilanError, bilan_publish

from ..factories import make_person, make_visit
from .conftest import YEAR

pytestmark = pytest.mark.django_db

PUBLISH = reverse("reporting:publish")


def test_the_page_shows_what_will_be_frozen(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.get(PUBLISH, {"year": YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Publier le bilan {YEAR}" in html and "9 personnes accompagnées" in html


def test_coordination_publishes_the_full_figures(client, coordinator, dataset):
    client.force_login(coordinator)
    response = client.post(PUBLISH, {"year": YEAR, "note": "Conseil du 12 mars", "token": uuid.uuid4()})
    assert response.status_code == 302
    assert response.url == reverse("reporting:dashboard") + f"?year={YEAR}&chiffres=publies"
    publication = PublishedBilan.objects.get()
    assert (publication.year, publication.published_by, publication.note) == (
        YEAR,
        coordinator,
        "Conseil du 12 mars",
    )
    assert publication.figures == compute_bilan(YEAR).as_dict()
    assert {"by_venue", "by_quarter", "by_month", "referrals", "age_bands"} <= set(publication.figures)


def test_later_corrections_never_change_a_publication(client, coordinator, city, dataset):
    client.force_login(coordinator)
    client.post(PUBLISH, {"year": YEAR, "token": uuid.uuid4()})
    published = compute_bilan(YEAR)
    # A visit of the year recorded after the publication: the live figures change.
    make_visit(make_person("Tardif"), dataset["persons"][0].visits.order_by("date")[1].permanence)
    assert compute_bilan(YEAR).persons == published.persons + 1

    client.force_login(city)
    report = client.get(reverse("reporting:dashboard"), {"year": YEAR}).context["report"]
    assert report.is_published
    assert report.bilan.as_dict() == published.as_dict()
    assert report.live.persons == published.persons + 1
    assert any(
        d.published == published.persons and d.live == published.persons + 1 for d in report.differences
    )
    csv = client.get(reverse("reporting:export", args=["csv"]), {"year": YEAR}).content.decode("utf-8-sig")
    assert f"Personnes accompagnées;{published.persons}" in csv


def test_a_new_publication_replaces_the_previous_and_anonymisation_changes_none(
    client, coordinator, city, dataset
):
    first = bilan_publish(year=YEAR, user=coordinator, note="Premier")
    make_visit(make_person("Tardif"), dataset["persons"][0].visits.order_by("date")[1].permanence)
    second = bilan_publish(year=YEAR, user=coordinator, note="Corrigé")
    assert second.figures["persons"] == first.figures["persons"] + 1
    frozen = {publication.pk: publication.figures for publication in PublishedBilan.objects.all()}

    beneficiary_anonymise(
        beneficiary=Beneficiary.objects.get(pk=dataset["persons"][0].pk),
        reason=AnonymisationReason.ERASURE_REQUEST,
        user=coordinator,
    )
    assert {publication.pk: publication.figures for publication in PublishedBilan.objects.all()} == frozen

    client.force_login(city)
    response = client.get(reverse("reporting:dashboard"), {"year": YEAR})
    html, report = response.content.decode(), response.context["report"]
    assert report.publication == second and report.bilan.as_dict() == second.figures
    assert "Corrigé" in html and "Premier" not in html


def test_a_double_click_publishes_once(client, coordinator, dataset):
    client.force_login(coordinator)
    token = uuid.uuid4()
    client.post(PUBLISH, {"year": YEAR, "token": token})
    response = client.post(PUBLISH, {"year": YEAR, "token": token})
    assert response.status_code == 302
    assert PublishedBilan.objects.count() == 1


def test_a_year_not_yet_over_cannot_be_published(client, coordinator):
    client.force_login(coordinator)
    this_year = timezone.localdate().year
    response = client.post(PUBLISH, {"year": this_year, "token": uuid.uuid4()})
    assert response.status_code == 400
    assert "Seul le bilan d&#x27;une année terminée peut être publié" in response.content.decode()
    assert not PublishedBilan.objects.exists()


@pytest.mark.parametrize("ahead", [0, 1])
def test_the_admin_and_the_service_refuse_a_year_not_yet_over(client, admin_user, ahead):
    year = timezone.localdate().year + ahead
    client.force_login(admin_user)
    response = client.post(reverse("admin:reporting_publishedbilan_add"), {"year": year, "note": ""})
    assert response.status_code == 200
    assert "Seul le bilan d&#x27;une année terminée peut être publié" in response.content.decode()
    with pytest.raises(BilanError, match="Seul le bilan d'une année terminée peut être publié"):
        bilan_publish(year=year, user=admin_user)
    assert not PublishedBilan.objects.exists()


def test_a_form_without_token_saves_nothing(client, coordinator):
    client.force_login(coordinator)
    response = client.post(PUBLISH, {"year": YEAR})
    assert response.status_code == 400
    assert "Formulaire expiré" in response.content.decode()
    assert not PublishedBilan.objects.exists()


def test_the_city_may_not_publish(client, city):
    client.force_login(city)
    assert client.post(PUBLISH, {"year": YEAR, "token": uuid.uuid4()}).status_code == 403
    assert not PublishedBilan.objects.exists()


def test_the_current_year_offers_no_publication(client, coordinator):
    client.force_login(coordinator)
    this_year = timezone.localdate().year
    html = client.get(PUBLISH, {"year": this_year}).content.decode()
    assert f"L'année {this_year} n'est pas terminée" in html
    assert "Publier les chiffres" not in html
    dashboard = client.get(reverse("reporting:dashboard"), {"year": this_year}).content.decode()
    assert f"Publier le bilan {this_year}" not in dashboard

"""French error pages without details, and pages of logged-in users never cached."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_is_french_and_shows_no_detail(client, counsellor):
    client.force_login(counsellor)
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "Traceback" not in html and "urlpatterns" not in html


def test_403_is_french(client, city):
    client.force_login(city)
    response = client.get(reverse("beneficiaries:list"))
    assert response.status_code == 403 and "Accès refusé" in response.content.decode()


def test_a_post_without_csrf_token_is_refused_in_french_and_saves_nothing(counsellor):
    from django.test import Client

    from beneficiaries.models import Beneficiary

    client = Client(enforce_csrf_checks=True)
    client.force_login(counsellor)
    response = client.post(reverse("beneficiaries:create"), {"last_name": "X", "first_name": "Y", "sex": "F"})
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_pages_of_logged_in_users_are_not_stored(client, counsellor):
    client.force_login(counsellor)
    assert "no-store" in client.get(reverse("beneficiaries:list")).headers["Cache-Control"]

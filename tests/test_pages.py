"""Login, logout and the home page that sends each role to its place."""

import pytest
from django.urls import reverse

from .factories import totp_code

pytestmark = pytest.mark.django_db


def test_login_page_is_french_and_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Connexion" in html and "Mot de passe" in html


def test_anonymous_visitors_are_sent_to_login(client):
    for url in [reverse("home"), reverse("permanences:today"), reverse("reporting:dashboard")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_login_with_a_wrong_password_says_so_in_french(client, counsellor):
    response = client.post(reverse("login"), {"login": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Nom d’utilisateur ou mot de passe incorrect." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "place"),
    [
        ("counsellor", "permanences:today"),
        ("coordinator", "reporting:dashboard"),
        ("city", "reporting:dashboard"),
        ("admin_user", "admin:index"),
    ],
)
def test_home_sends_each_role_to_its_place(client, request, role, place):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(place)
    assert client.get(response.url).status_code == 200


def test_a_user_without_role_is_told_so(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "n'a pas encore de rôle" in response.content.decode()


def test_login_then_logout(client, counsellor):
    response = client.post(reverse("login"), {"login": "alice", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert client.post(response.url, {"code": totp_code()}).status_code == 302
    assert client.get(reverse("permanences:today")).status_code == 200
    assert client.get(reverse("logout")).status_code == 200  # a confirmation page: logout is a POST
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("permanences:today")).status_code == 302


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("permanences:today", {"counsellor", "coordinator"}),
        ("reporting:dashboard", {"coordinator", "city"}),
    ],
)
def test_role_pages_refuse_other_roles(client, request, url, allowed):
    for role in ["counsellor", "coordinator", "city", "outsider"]:
        client.force_login(request.getfixturevalue(role))
        expected = 200 if role in allowed else 403
        assert client.get(reverse(url)).status_code == expected, role

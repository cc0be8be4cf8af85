"""The hostile requests of issue 6: no 500, nothing saved, nothing leaked."""

import datetime
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path, reverse

from beneficiaries.enums import ExportContent
from beneficiaries.filters import PersonFilter, VisitFilter
from beneficiaries.models import Beneficiary
from config import urls as project_urls

from .factories import PASSWORD, make_permanence, make_person, make_visit, totp_code
from .sheets import read_sheet

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
FORMULA = '=HYPERLINK("http://x";"clic")'


def test_login_never_redirects_to_another_site(client, counsellor):
    response = client.post(
        reverse("login") + "?next=https://evil.example/", {"login": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response.url == reverse("home")
    response = client.get(reverse("login") + "?next=//evil.example/")
    assert "evil.example" not in response.headers.get("Location", "")


def test_a_host_not_allowed_gets_a_french_400(client):
    response = client.get(reverse("login"), HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "filterset"), [("beneficiaries:list", PersonFilter), ("beneficiaries:visits", VisitFilter)]
)
def test_sorting_by_a_column_outside_the_allow_list_is_ignored(
    client, counsellor, venue, url_name, filterset
):
    make_visit(make_person(), make_permanence(venue, datetime.date(2024, 1, 8)))
    client.force_login(counsellor)
    for hostile in ("password", "created_by__password", "-search_key;DROP", "__class__"):
        response = client.get(reverse(url_name), {"order": hostile})
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()
    allowed = {name for name, _ in filterset.base_filters["order"].param_map.items()}
    assert "password" not in allowed and all("password" not in name for name in allowed)


def test_the_city_walking_ids_finds_nothing_about_one_person(client, city, venue):
    people = [make_person(f"Nom{n}", "Prénom") for n in range(3)]
    visit = make_visit(people[0], make_permanence(venue, datetime.date(2024, 1, 8)))
    client.force_login(city)
    for pk in [*(p.pk for p in people), people[-1].pk + 1, 999999]:
        for name in ("detail", "edit", "trail", "access_document", "anonymise", "outcome_create"):
            assert client.get(reverse(f"beneficiaries:{name}", args=[pk])).status_code == 403
    assert client.get(reverse("beneficiaries:visits")).status_code == 403
    assert client.post(reverse("beneficiaries:next_step_done", args=[visit.pk])).status_code == 403
    assert client.post(reverse("beneficiaries:export"), {"content": ExportContent.ALL}).status_code == 403
    assert client.get(reverse("beneficiaries:search"), {"q": "Nom0"}).status_code == 403


def test_a_formula_in_a_name_is_neutralised_in_every_export(client, coordinator):
    make_person(FORMULA, "Zoé", phone="+44 20 7946 0958")
    client.force_login(coordinator)
    response = client.post(reverse("beneficiaries:export"), {"content": ExportContent.BENEFICIARIES})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = read_sheet(content)
    text = content.decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text  # quoted as RFC 4180 asks, after the apostrophe
    [row] = sheet.rows
    assert row[1][1] == "'" + FORMULA
    assert "'+44 20 7946 0958" in text  # a foreign phone stays readable
    archive = client.post(reverse("beneficiaries:export"), {"content": ExportContent.ALL})
    data = b"".join(archive.streaming_content) if archive.streaming else archive.content
    with zipfile.ZipFile(io.BytesIO(data)) as files:
        persons = next(name for name in files.namelist() if name.startswith("personnes"))
        assert "'" + FORMULA.replace('"', '""') in files.read(persons).decode("utf-8-sig")


def assert_security_headers(response, *, logged_in):
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'nonce-"):
        assert directive in csp, directive
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if logged_in:
        assert "no-store" in response.headers["Cache-Control"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    # Every script carries the nonce: no inline script without it.
    assert html.count("<script") == html.count(f'nonce="{nonce}"')


def test_security_headers_on_the_login_page_and_a_logged_in_page(client, counsellor):
    assert_security_headers(client.get(reverse("login")), logged_in=False)
    response = client.post(reverse("login"), {"login": "alice", "password": PASSWORD})
    assert response.cookies["sessionid"]["httponly"] and response.cookies["sessionid"]["samesite"] == "Lax"
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert_security_headers(client.get(reverse("beneficiaries:list")), logged_in=True)


PRODUCTION_HEADERS = """
import django
django.setup()
from django.test import Client
response = Client().get("/connexion/", secure=True, HTTP_HOST="permanences.example.org")
print(response.status_code)
print(response.headers.get("Strict-Transport-Security", ""))
print(response.cookies["csrftoken"]["secure"], response.cookies["csrftoken"]["httponly"])
# The session cookie, as Django's session middleware sets it with these settings.
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
call_command("migrate", "sessions", verbosity=0)
def view(request):
    request.session["seen"] = True
    return HttpResponse()
cookie = SessionMiddleware(view)(RequestFactory().get("/", secure=True)).cookies["sessionid"]
print(cookie["secure"], cookie["httponly"], cookie["samesite"])
"""


def test_production_sends_hsts_for_a_year_and_secure_cookies(tmp_path):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DEBUG="0",
        SECRET_KEY="k7#pQ2!vX9@mZ4$wR8^tL1&nB6*cF3(hJ5)yD0_sG-eA+uN=oK",
        ALLOWED_HOSTS="permanences.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_HEADERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    status, hsts, csrf_cookie, session_cookie = result.stdout.split("\n")[:4]
    assert status == "200", result.stderr
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    assert csrf_cookie == "True True"  # Secure, HttpOnly
    assert session_cookie == "True True Lax", result.stderr  # Secure, HttpOnly, SameSite


def test_nothing_is_saved_by_a_refused_post(client, city):
    client.force_login(city)
    before = Beneficiary.objects.count()
    response = Client().post(
        reverse("beneficiaries:create"), {"last_name": "X", "first_name": "Y", "sex": "F"}
    )
    assert response.status_code == 302  # anonymous: to the login page
    assert (
        client.post(
            reverse("beneficiaries:create"), {"last_name": "X", "first_name": "Y", "sex": "F"}
        ).status_code
        == 403
    )
    assert Beneficiary.objects.count() == before


def explode(request):
    raise RuntimeError("secret-detail-of-the-failure")


# A test-only address that fails (test_a_server_error_is_french_and_shows_no_detail).
urlpatterns = [path("test-erreur/", explode), *project_urls.urlpatterns]
handler403 = project_urls.handler403


@pytest.mark.urls("tests.test_security")
def test_a_server_error_is_french_and_shows_no_detail(logged):
    logged.raise_request_exception = False
    response = logged.get("/test-erreur/")
    assert response.status_code == 500
    text = response.content.decode()
    assert '<html lang="fr">' in text and "Erreur du serveur" in text
    assert "Une erreur est survenue de notre côté" in text
    assert "Traceback" not in text and "secret-detail" not in text and "RuntimeError" not in text

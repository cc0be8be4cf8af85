import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


def test_a_counsellor_logs_in_and_lands_on_her_permanence(login, page, counsellor, artefacts):
    login("alice", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ma permanence")
    page.screenshot(path=artefacts / "login-counsellor-home.png", full_page=True)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")


def test_a_wrong_password_is_refused_in_french(login, page, counsellor, artefacts):
    login("alice", "not-the-password")
    expect(page.get_by_text("Nom d’utilisateur ou mot de passe incorrect")).to_be_visible()
    page.screenshot(path=artefacts / "login-refused.png", full_page=True)

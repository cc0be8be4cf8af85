"""Keyboard-only use and form errors a screen reader can find."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, totp_code
from . import a11y
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


def test_a_counsellor_logs_in_and_opens_the_menu_with_the_keyboard_only(page, live_server, counsellor, site):
    page.set_viewport_size(a11y.VIEWPORTS["phone"])
    page.goto(f"{live_server.url}/connexion/")
    # Django puts the focus on the first field.
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    type_second_factor(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ma permanence")

    # On a phone the menu is folded: skip link, brand, then the menu button.
    for _ in range(3):
        page.keyboard.press("Tab")
    toggler = page.get_by_role("button", name="Ouvrir le menu")
    expect(toggler).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Ma permanence")).to_be_focused()
    # The public schedule, from the footer, by keyboard too.
    footer_link = page.get_by_role("link", name="Où et quand ? Horaires des permanences")
    for _ in range(60):
        page.keyboard.press("Tab")
        if footer_link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/permanences-emploi/$"))


def test_login_errors_are_tied_to_their_fields_and_announced(browser, live_server, counsellor, artefacts):
    page = a11y.axe_page(browser, None)
    page.set_viewport_size(a11y.VIEWPORTS["phone"])
    try:
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_role("button", name="Se connecter").click()
        for label in ["Nom d’utilisateur", "Mot de passe"]:
            field = page.get_by_label(label)
            expect(field).to_have_attribute("aria-invalid", "true")
            error = page.locator(f"#{field.get_attribute('aria-describedby')}")
            expect(error).to_have_text("Ce champ est obligatoire.")
        a11y.assert_no_serious_violations(page, artefacts / "axe" / "login-empty-fields.json")

        page.get_by_label("Nom d’utilisateur").fill("alice")
        page.get_by_label("Mot de passe").fill("not-the-password")
        page.get_by_role("button", name="Se connecter").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Nom d’utilisateur ou mot de passe incorrect")
        expect(page.locator("form[aria-describedby=login-errors]")).to_have_count(1)
        page.screenshot(path=artefacts / "pages" / "login-refused-phone.png", full_page=True)
        a11y.assert_no_serious_violations(page, artefacts / "axe" / "login-refused.json")
    finally:
        page.context.close()


def type_second_factor(page):
    """The code step that follows the password of a counsellor, by keyboard."""
    page.wait_for_url(re.compile("/2fa/authenticate/"))
    press_tab_until(page, page.locator("input[name=code]"))
    page.keyboard.type(totp_code())
    page.keyboard.press("Enter")


def press_tab_until(page, locator, *, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"never reached by Tab: {locator}")


def test_a_visit_is_logged_with_the_keyboard_only(page, live_server, counsellor, site, artefacts):
    from beneficiaries.models import Visit

    person = site.people[1]  # Moussa Diallo
    page.goto(f"{live_server.url}/connexion/")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    type_second_factor(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ma permanence")

    press_tab_until(page, page.get_by_role("link", name="Accueillir à Centre social Grand Air").last)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accueil")
    search = page.get_by_label("Nom, prénom, référence")
    expect(search).to_be_focused()  # autofocus: the counsellor types at once
    page.keyboard.type("diallo mousa")
    log = page.get_by_role("link", name=re.compile("Noter le rendez-vous de Moussa Diallo"))
    expect(log).to_be_visible()
    press_tab_until(page, log)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Rendez-vous de Moussa")
    press_tab_until(page, page.get_by_label("CV, lettre de motivation"))
    page.keyboard.press("Space")
    press_tab_until(page, page.get_by_label("Notes"))
    page.keyboard.type("CV repris ensemble.")
    press_tab_until(page, page.get_by_label("Prochaine étape"))
    page.keyboard.type("Envoyer trois candidatures")
    press_tab_until(page, page.get_by_role("button", name="Enregistrer le rendez-vous"))
    page.screenshot(path=artefacts / "keyboard-visit-form.png", full_page=True)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Accueil")
    visit = Visit.objects.get(beneficiary=person, date=site.session.date)
    assert visit.notes == "CV repris ensemble." and visit.next_step == "Envoyer trois candidatures"
    assert [t.code for t in visit.topics.all()] == ["cv_lettre"]

"""The desk work, end to end in Chromium, as the demo counsellor."""

import datetime
import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from permanences.models import Venue, WeeklySlot

from ..factories import DEMO_PASSWORD
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


def strip_accents(text):
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@pytest.fixture
def demo(django_user_model):
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
    counsellor = django_user_model.objects.get(username="conseillere")
    today = timezone.localdate()
    if (
        not WeeklySlot.objects.valid_during(today, today)
        .filter(weekday=today.weekday(), counsellors=counsellor)
        .exists()
    ):
        slot = WeeklySlot.objects.create(
            venue=Venue.objects.first(),
            weekday=today.weekday(),
            start_time=datetime.time(0, 30),
            end_time=datetime.time(23, 30),
            valid_from=today,
        )
        slot.counsellors.add(counsellor)
    return counsellor


def demo_totp_secret(username: str) -> str:
    """The secret `seed_demo` gave this demo account (printed with the logins)."""
    totp = Authenticator.objects.get(user__username=username, type=Authenticator.Type.TOTP)
    return decrypt(totp.data["secret"])


def test_receive_find_create_log_and_record_an_outcome(login, page, demo, artefacts):
    shot = iter(range(1, 100))

    def screenshot(name):
        page.screenshot(path=artefacts / f"counsellor-{next(shot):02d}-{name}.png", full_page=True)

    # A person of the demo whose family name carries an accent.
    existing = Beneficiary.objects.filter(last_name__regex=r"[éèëï]").order_by("ref").first()
    misspelt = strip_accents(existing.last_name).lower() + "e"  # accent-free, one letter too many

    login("conseillere", DEMO_PASSWORD, demo_totp_secret("conseillere"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ma permanence")
    screenshot("ma-permanence")

    page.get_by_role("link", name=re.compile("^Accueillir")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accueil")
    screenshot("accueil")

    page.get_by_label("Nom, prénom, référence").fill(
        f"{misspelt} {strip_accents(existing.first_name).lower()}"
    )
    results = page.locator("#search-results")
    expect(results).to_contain_text(existing.ref)
    screenshot("recherche-avec-faute")

    # A near-homonym: same names without accents, same birth date.
    page.get_by_role("link", name="Nouvelle personne").click()
    page.locator("#id_last_name").fill(strip_accents(existing.last_name))
    page.locator("#id_first_name").fill(strip_accents(existing.first_name))
    page.get_by_label("Femme" if existing.sex == "F" else "Homme").check()
    if existing.birth_date:
        page.locator("#id_birth_date").fill(existing.birth_date.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Créer le dossier").click()
    warning = page.get_by_role("alert").filter(has_text="a peut-être déjà un dossier")
    expect(warning).to_contain_text(existing.ref)
    screenshot("doublon-probable")
    page.get_by_role("button", name="Confirmer : créer un nouveau dossier").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Rendez-vous de")
    page.get_by_label("CV, lettre de motivation").check()
    page.get_by_label("Notes").fill("CV mis à jour ; deux offres repérées.")
    page.get_by_label("Durée (minutes)").fill("40")
    page.locator("#id_orientations-0-partner").select_option("mission_locale")
    page.locator("#id_orientations-0-detail").fill("Atelier CV")
    page.get_by_label("Prochaine étape").fill("Rapporter le CV imprimé")
    due = (timezone.localdate() + datetime.timedelta(days=7)).strftime("%d/%m/%Y")
    page.get_by_label("Échéance").fill(due)
    screenshot("rendez-vous")
    page.get_by_role("button", name="Enregistrer le rendez-vous").click()

    expect(page.get_by_role("status").first).to_contain_text("enregistré")
    created = Beneficiary.objects.exclude(pk=existing.pk).get(
        search_key=existing.search_key, visits__isnull=False
    )
    expect(page.get_by_role("table")).to_contain_text(created.ref)
    screenshot("personnes-recues")

    page.get_by_role("link", name=re.compile(created.last_name.upper())).first.click()
    page.get_by_role("link", name="Ajouter une sortie").click()
    page.get_by_label("Situation").select_option("cdd")
    page.get_by_label("Début").fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Enregistrer la sortie").click()
    expect(page.get_by_text("cochez « Date de fin inconnue »")).to_be_visible()
    screenshot("sortie-sans-fin")
    end = (timezone.localdate() + datetime.timedelta(days=180)).strftime("%d/%m/%Y")
    page.get_by_label("Fin", exact=True).fill(end)
    page.get_by_role("button", name="Enregistrer la sortie").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(created.last_name.upper())
    timeline = page.locator("main")
    expect(timeline).to_contain_text("CDD")
    expect(timeline).to_contain_text("Mission locale")
    expect(timeline).to_contain_text("Rapporter le CV imprimé")
    expect(timeline).to_contain_text("CV, lettre de motivation")
    screenshot("dossier")

    assert Visit.objects.filter(beneficiary=created).count() == 1
    assert Referral.objects.filter(beneficiary=created, partner="mission_locale").count() == 1
    assert Outcome.objects.filter(beneficiary=created, kind="cdd", end_date__isnull=False).count() == 1

"""Coordination imports files through the preview, then merges a duplicate."""

import datetime

import pytest
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary, Visit

from ..beneficiaries.files import PERSON_HEADER, VISIT_HEADER, csv_bytes, person, visit
from ..factories import PASSWORD, make_permanence, make_person, make_visit
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


def test_a_coordinator_previews_then_confirms_an_import(login, page, coordinator, venue, tmp_path, artefacts):
    persons = tmp_path / "personnes 2019.csv"
    persons.write_bytes(
        csv_bytes(
            PERSON_HEADER,
            [person(), person("A-2", "Lefèvre", "Zoé", birth_date="12/07/1987")],
            delimiter=";",
            bom=True,
        )
    )
    visits = tmp_path / "rendez-vous 2019.csv"
    visits.write_bytes(
        csv_bytes(VISIT_HEADER, [visit(topics="cv_lettre"), visit("A-2", venue="Centre Social Grand-Air")])
    )
    login("bob", PASSWORD)
    page.get_by_role("link", name="Données", exact=True).click()
    page.screenshot(path=artefacts / "data-home.png", full_page=True)
    page.get_by_role("link", name="Importer des fichiers").click()
    page.get_by_label("Fichier des personnes").set_input_files(persons)
    page.get_by_label("Fichier des rendez-vous").set_input_files(visits)
    page.screenshot(path=artefacts / "import-form.png", full_page=True)
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l'import")
    expect(page.get_by_role("row", name="Personnes 2 0 0")).to_be_visible()
    page.screenshot(path=artefacts / "import-preview.png", full_page=True)
    assert not Beneficiary.objects.exists()
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("Import terminé")).to_be_visible()
    assert Beneficiary.objects.count() == 2 and Visit.objects.count() == 2


def test_a_preview_with_problems(login, page, live_server, coordinator, venue, tmp_path, artefacts):
    visits = tmp_path / "rdv.csv"
    visits.write_bytes(
        csv_bytes(VISIT_HEADER, [visit("Z-1"), visit(venue="Maison des Lilas"), visit(date="31/02/2024")])
    )
    login("bob", PASSWORD)
    page.goto(f"{live_server.url}/personnes/donnees/import/")
    page.get_by_label("Fichier des rendez-vous").set_input_files(visits)
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_text("3 problèmes : rien ne sera importé.")).to_be_visible()
    page.screenshot(path=artefacts / "import-problems.png", full_page=True)


def test_a_coordinator_merges_a_duplicate(login, page, coordinator, venue, artefacts):
    day = datetime.date(2024, 1, 8)
    born = day.replace(year=1990)
    first = make_person("Martin", "Élodie", birth_date=born, phone="06 12 34 56 78", quarter=venue.quarter)
    second = make_person("MARTIN", "Elodie", birth_date=born, email="elodie@example.org")
    make_visit(first, make_permanence(venue, day), counsellor=coordinator)
    make_visit(second, make_permanence(venue, day.replace(day=15)), counsellor=coordinator)
    login("bob", PASSWORD)
    page.get_by_role("link", name="Données", exact=True).click()
    page.get_by_role("link", name="Voir les doublons probables").click()
    expect(page.get_by_text("Mêmes nom et prénom, même date de naissance.")).to_be_visible()
    page.screenshot(path=artefacts / "duplicates.png", full_page=True)
    page.get_by_role("link", name=f"Comparer les dossiers {first.ref} et {second.ref}").click()
    page.screenshot(path=artefacts / "merge.png", full_page=True)
    page.get_by_label("J'ai vérifié").check()
    page.get_by_role("button", name=f"Fusionner : supprimer le dossier {second.ref}").click()
    expect(
        page.get_by_text(f"Le dossier {second.ref} a été fusionné dans le dossier {first.ref}.")
    ).to_be_visible()
    assert Beneficiary.objects.get().visits.count() == 2


def test_a_coordinator_decides_who_a_lookalike_is(
    login, page, live_server, coordinator, venue, tmp_path, check_page
):
    make_person("Martin", "Élodie", ref="2023-00001", birth_date=datetime.date(1990, 3, 4))
    persons = tmp_path / "personnes.csv"
    persons.write_bytes(
        csv_bytes(PERSON_HEADER, [person("X-1", first_name="Elodie", birth_date="1991-01-01")])
    )
    login("bob", PASSWORD)
    page.goto(f"{live_server.url}/personnes/donnees/import/")
    page.get_by_label("Fichier des personnes").set_input_files(persons)
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(
        page.get_by_role("heading", name="Personnes qui ressemblent à des dossiers existants")
    ).to_be_visible()
    preview = page.url
    check_page(preview.removeprefix(live_server.url), "beneficiaries-import_preview-lookalikes")
    page.goto(preview)
    page.get_by_label("Une autre personne : créer un nouveau dossier").check()
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("Import terminé")).to_be_visible()
    assert Beneficiary.objects.filter(ref="X-1").exists()

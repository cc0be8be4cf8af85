"""The city's dashboard in Chromium: readable without JavaScript errors, CSP intact, accessible."""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.enums import OutcomeKind, Sex
from beneficiaries.models import Outcome

from ..factories import PASSWORD, make_permanence, make_person, make_visit
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def last_year(venue):
    year = timezone.localdate().year - 1
    sessions = [make_permanence(venue, datetime.date(year, month, 3)) for month in (2, 5, 9)]
    for index in range(7):
        person = make_person(f"Nom{index}", sex=Sex.FEMALE if index % 3 else Sex.MALE)
        make_visit(person, sessions[index % 3])
    Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDI, start_date=datetime.date(year, 10, 1))
    return year


def test_the_city_reads_the_bilan_with_its_charts(login, page, city, last_year, artefacts):
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            # A CSP violation or a script error is an error message; a missing file is seen below.
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    # The browser asks for /favicon.ico on its own; the project has none.
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    login("charlie", PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bilan {last_year}")
    # 4 women and 3 men: the city is given neither count, nor their shares.
    expect(page.get_by_text("7 personnes accompagnées ; 7 rendez-vous individuels ;")).to_be_visible()
    expect(page.get_by_text(f"Le bilan {last_year} n'a pas été publié")).to_be_visible()
    charts = page.get_by_role("img")
    expect(charts).to_have_count(4)
    # Each chart's data, without JavaScript: a <details> that opens.
    page.get_by_text("Données du graphique").first.click()
    expect(page.get_by_role("row", name="Février < 5")).to_be_visible()
    page.screenshot(path=artefacts / "bilan-ville.png", full_page=True)

    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run({resultTypes: ['violations']})")
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, ensure_ascii=False, indent=1)[:3000]
    assert not problems, problems

"""Every page the city can ask for, read through the real views, checked
against coordination's page of the same year, scope and source, then
attacked by tests/reporting/attacker.py.

`check_every_page` returns a `Survey` of what was tried; the tests assert on it.
"""

import csv
import io
import re
from dataclasses import dataclass, field

import openpyxl
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.spreadsheets import neutralise
from permanences.models import Quarter, Venue
from reporting.disclosure import MARKERS, SECRET, SMALL
from reporting.models import PublishedBilan
from reporting.report import Source, build_report

from . import attacker

DASHBOARD = reverse("reporting:dashboard")
# The tables a bilan reads.
STATISTICS = (
    "beneficiaries_beneficiary",
    "beneficiaries_visit",
    "beneficiaries_referral",
    "beneficiaries_outcome",
    "permanences_permanence",
    "permanences_venue",
    "permanences_quarter",
    "reporting_attendance",
)
# The dashboard's cards and the key figures they repeat.
CARD_ROWS = {
    "Permanences tenues": "Permanences tenues",
    "Personnes accompagnées": "Personnes accompagnées",
    "dont nouvelles personnes": "dont nouvelles personnes",
    "Part de femmes": "Part de femmes (%)",
    "Rendez-vous individuels": "Rendez-vous individuels",
    "En emploi ou en formation": "Personnes en emploi ou en formation",
}
# A share and the counts it is computed from.
SHARES = {
    "Part de femmes (%)": ("Femmes", "Personnes accompagnées"),
    "Part d'hommes (%)": ("Hommes", "Personnes accompagnées"),
    "Part des personnes résidant en QPV (%)": (
        "Personnes résidant en quartier prioritaire (QPV)",
        "Personnes accompagnées",
    ),
}


@dataclass
class Survey:
    pages: int = 0
    withheld: int = 0
    hidden: int = 0  # hidden counts the attacker tried to recompute
    small: int = 0  # of which "< 5"
    learned: int = 0
    recomputed: list = field(default_factory=list)
    solvable: list = field(default_factory=list)


@dataclass
class Visit:
    """One page: the city's and coordination's reports, and the attacker's pages."""

    name: str
    kind: str
    city: object
    coordination: object
    city_page: attacker.Page | None
    coordination_page: attacker.Page


def scopes():
    """(kind, the scope as `build_report` takes it, the page's own venue)."""
    yield "city", {}, None
    for venue in Venue.objects.order_by("name"):
        yield "venue", {"venue": venue}, venue.name
    for quarter in Quarter.objects.order_by("name"):
        yield "quarter", {"quarter": quarter}, None


def dashboard_report(client, params):
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200, params
    return response.context["report"]


def analyze() -> None:
    """Give PostgreSQL the statistics of the rows this test made, and keep them.

    The rows are not committed: autovacuum, passing by, records the tables as
    empty, and the planner then nests loops over thousands of visits (a
    venue's bilan of the demonstration took more than half an hour). ANALYZE
    counts the rows of its own transaction; the lock, held until the test's
    transaction ends, keeps autovacuum away from these tables meanwhile."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(STATISTICS)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute(f"ANALYZE {tables}")


def check_every_page(city, coordinator, years, *, exports=("city", "venue", "quarter")) -> Survey:
    """Every page of `years`, the city's through the dashboard, coordination's
    through the `build_report` it calls; the CSV and XLSX exports of the scopes
    of the kinds `exports` are read too (they hold the tables the page shows)."""
    analyze()
    client = Client()
    client.force_login(city)
    published = set(PublishedBilan.objects.values_list("year", flat=True))
    visits = []
    for year in years:
        for kind, scope, own_venue in scopes():
            sources = [Source.LIVE] + ([Source.PUBLISHED] if kind == "city" and year in published else [])
            for source in sources:
                params = {"year": year, "chiffres": source.value, **{k: v.pk for k, v in scope.items()}}
                shown = dashboard_report(client, params)
                full = build_report(user=coordinator, year=year, source=source, **scope)
                assert (shown.source, full.source) == (source, source), params
                visit = Visit(
                    name=f"{year} {kind} {next(iter(scope.values()), '')} {source}",
                    kind=kind,
                    city=shown,
                    coordination=full,
                    city_page=None if shown.withheld else attacker.page_of(shown, kind, own_venue),
                    coordination_page=attacker.page_of(full, kind, own_venue),
                )
                check_visit(visit)
                if kind in exports:
                    check_exports(client, params, shown)
                visits.append(visit)
    check_differences(visits)
    return attack(visits)


def check_visit(visit: Visit) -> None:
    """Coordination sees every figure; the city the same page, with the small
    counts and what would give them back hidden, or nothing for under 5 persons."""
    full, shown = visit.coordination, visit.city
    assert not full.masked and not full.withheld and not full.figures.hidden, visit.name
    assert not any(value in MARKERS for value in visit.coordination_page.cells.values()), visit.name
    assert "moins de 5" not in full.headline and "non communiqué" not in full.headline, visit.name
    if shown.withheld:
        assert 0 < full.bilan.persons < 5, visit.name
        assert shown.tables == shown.charts == [] and shown.comparison is None, visit.name
        assert not re.search(r"\d", shown.headline.replace("Moins de 5", "")), visit.name
        return
    page, complete = visit.city_page, visit.coordination_page
    assert page.cells.keys() == complete.cells.keys(), visit.name
    for position, value in page.cells.items():
        truth = complete.value(position)
        if value == SMALL:
            assert attacker.is_count(position) and 0 < truth < 5, (visit.name, position, truth)
        elif value == SECRET:
            assert not attacker.is_count(position) or truth >= 5, (visit.name, position, truth)
        else:
            assert value == truth, (visit.name, position)
            if isinstance(value, int) and attacker.is_count(position):
                assert value == 0 or value >= 5, (visit.name, position, value)
    check_derived(visit.name, page)
    check_words(visit)


def check_derived(name: str, page: attacker.Page) -> None:
    """A share, or a change from the year before, is shown only when what it is
    computed from is shown."""
    for key, columns in [("chiffres-cles", ["valeur"]), ("comparaison", ["année précédente", "année"])]:
        for column in columns:
            for share, sources in SHARES.items():
                if isinstance(page.value((key, share, column)), int):
                    assert all(isinstance(page.value((key, s, column)), int) for s in sources), (name, share)
    for (key, row, column), value in page.cells.items():
        if key == "comparaison" and column == "Évolution" and value != SECRET:
            values = [page.value((key, row, year)) for year in ("année précédente", "année")]
            assert not any(v in MARKERS for v in values), (name, row)


def check_words(visit: Visit) -> None:
    """The headline and the dashboard's cards give no figure the tables hide."""
    page, complete = visit.city_page, visit.coordination_page
    shown = {v for p, v in page.cells.items() if isinstance(v, int) and p[0] != "comparaison"}
    hidden = {complete.value(p) for p, v in page.cells.items() if v in MARKERS and p[0] != "comparaison"}
    words = visit.city.headline.replace("moins de 5", "")
    numbers = re.finditer(r"\d+(?:\u202f\d{3})*", words)
    counts = [int(n.group().replace("\u202f", "")) for n in numbers if not words[n.end() :].startswith(" %")]
    for number in counts:
        assert number in shown or number not in hidden, (visit.name, number, visit.city.headline)
        assert number == 0 or number >= 5, (visit.name, number)
    for label, now, before in visit.city.cards:
        row = CARD_ROWS[label]
        expected = [page.value(("comparaison", row, column)) for column in ("année", "année précédente")]
        unit = " %" if "(%)" in row else ""
        assert [now, before] == [v if v in MARKERS else f"{v}{unit}" for v in expected], (visit.name, label)


def check_exports(client, params, report) -> None:
    """The CSV and the XLSX hold exactly the report's tables."""
    tables = [*report.tables, report.comparison] if report.comparison else []
    response = client.get(reverse("reporting:export", args=["csv"]), params)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    for table in tables:
        block = [[neutralise(str(v)) for v in row] for row in [table.columns, *table.rows]]
        start = rows.index([table.title]) + 1 + bool(table.note)
        assert rows[start : start + len(block)] == block, (params, table.key)
    if not tables:
        assert not any(len(row) > 1 for row in rows), params
    response = client.get(reverse("reporting:export", args=["xlsx"]), params)
    sheets = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets
    assert len(sheets) == 1 + len(tables), params
    for sheet, table in zip(sheets[1:], tables, strict=True):
        cells = [["" if c.value is None else c.value for c in row] for row in sheet.iter_rows()]
        block = [[neutralise(v) for v in row] for row in [table.columns, *table.rows]]
        assert cells[-len(block) :] == block, (params, table.key)


def check_differences(visits: list[Visit]) -> None:
    """Each published-or-today difference repeats what the two pages show."""
    pages = {visit.name: visit for visit in visits}
    for visit in visits:
        if visit.city_page is None or not visit.city.differences:
            continue
        live = pages[visit.name.replace(Source.PUBLISHED.value, Source.LIVE.value)]
        published = pages[visit.name.replace(Source.LIVE.value, Source.PUBLISHED.value)]
        titles = {table.title: table.key for table in visit.city.tables}
        for d in visit.city.differences:
            position = (titles[d.table], d.row, "valeur" if titles[d.table] == "chiffres-cles" else d.column)
            assert (d.published, d.live) == (
                published.city_page.cells.get(position, "—"),
                live.city_page.cells.get(position, "—"),
            ), (visit.name, d)


def attack(visits: list[Visit]) -> Survey:
    """Learn the sums from coordination's pages; try them on the city's."""
    survey = Survey()
    learner = attacker.Learner([visit.coordination_page for visit in visits])
    patterns, equal_sums = learner.column_patterns(), learner.equal_sums()
    survey.learned = len(patterns) + len(equal_sums)
    for visit in visits:
        survey.pages += 1
        if visit.city_page is None:
            survey.withheld += 1
            continue
        sums = attacker.sums_on(visit.coordination_page, patterns, equal_sums)
        unknown = attacker.unknowns(visit.city_page)
        survey.hidden += len(unknown)
        survey.small += sum(visit.city_page.value(p) == SMALL for p in unknown)
        recomputed = attacker.recompute(visit.city_page, sums)
        survey.recomputed += [(visit.name, *item) for item in recomputed.items()]
        survey.solvable += [(visit.name, p) for p in attacker.solvable(visit.city_page, sums)]
    return survey

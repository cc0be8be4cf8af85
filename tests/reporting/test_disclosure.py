"""Statistical disclosure control (reporting/disclosure.py): what the city may
see of small years full of counts from 1 to 4, and of the rule itself.

The demonstration's years are attacked in test_disclosure_demo.py.
"""

import datetime
import hashlib
import io
import json

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.enums import Sex
from permanences.models import Quarter, Venue
from reporting.bilan import compute_bilan
from reporting.cells import Relation, counts, relations
from reporting.disclosure import SECRET, SMALL, Figures, hidden_cells
from reporting.presentation import headline, plural
from reporting.report import Source, build_report
from reporting.services import bilan_publish

from ..factories import make_permanence, make_person, make_visit
from . import small_counts
from .city_pages import check_every_page
from .conftest import YEAR

pytestmark = pytest.mark.django_db

YEARS = range(small_counts.YEARS[0] - 1, small_counts.YEARS[-1] + 2)
# Groups of persons, each over three years of its own, between empty years.
GROUPS = [
    (1, 12, (2010, 2011, 2012)),
    (2, 30, (2014, 2015, 2016)),
    (3, 60, (2018, 2019, 2020)),
    (4, 45, (2022, 2023, 2024)),
]


def test_no_hidden_count_of_a_small_year_can_be_recomputed(city, coordinator):
    site = small_counts.build_site()
    for seed, size, years in GROUPS:
        small_counts.build(seed, size, years, site)
    # A publication, then a visit recorded after it: the differences are read too.
    bilan_publish(year=2015, user=coordinator)
    venue = site["venues"][0]
    make_visit(make_person("Tardif", sex=Sex.MALE), make_permanence(venue, datetime.date(2015, 12, 30)))

    survey = check_every_page(city, coordinator, range(2009, 2026))

    # 17 years x (the city, 3 venues, 3 quarters), and the published year once more.
    assert survey.pages == 120
    assert survey.learned > 100
    assert survey.hidden > 500 and survey.small < survey.hidden
    assert survey.recomputed == []
    assert survey.solvable == []


# Coordination's pages of small_counts.build(2, 30), each as a digest of its
# headline, tables, comparison and charts, computed by the code before the
# small-count rule covered more than the cross-tables (commit 532bf70):
# coordination still sees exactly the same figures. Tables added since (beside
# the council grid: `ADDED_SINCE`) are left out of the digest.
ADDED_SINCE = {"suivis", "ateliers"}
COORDINATION_PAGES = {
    "2021 city": "a9a064d9799be258",
    "2021 venue Antenne Bel Air": "f8343c8bcee386bc",
    "2021 venue Centre social Grand Air": "2933ca786f360eab",
    "2021 venue Centre social Lounès Matoub": "8451612e5b235515",
    "2021 quarter Bas Montreuil – République": "8451612e5b235515",
    "2021 quarter Bel Air – Grands Pêchers": "f1f8ab3ad807977d",
    "2021 quarter La Noue": "fd7be0e74386cbf1",
    "2022 city": "c19d5c68d5ee9519",
    "2022 venue Antenne Bel Air": "8b8b0658f736bc28",
    "2022 venue Centre social Grand Air": "e3bf789b1025874e",
    "2022 venue Centre social Lounès Matoub": "e68af5c9880cab97",
    "2022 quarter Bas Montreuil – République": "e68af5c9880cab97",
    "2022 quarter Bel Air – Grands Pêchers": "eb980024cd7a24cd",
    "2022 quarter La Noue": "2bd93ddeea925202",
    "2023 city": "e590d07ab2bb494a",
    "2023 venue Antenne Bel Air": "6b50a2f77994a962",
    "2023 venue Centre social Grand Air": "3732be2fa36d1ab0",
    "2023 venue Centre social Lounès Matoub": "669c97b341fd3db2",
    "2023 quarter Bas Montreuil – République": "669c97b341fd3db2",
    "2023 quarter Bel Air – Grands Pêchers": "71abb7e996cd1ae6",
    "2023 quarter La Noue": "2d218ac699d9c949",
    "2024 city": "540785f5b4a0c597",
    "2024 venue Antenne Bel Air": "01a112c583d5d7d4",
    "2024 venue Centre social Grand Air": "d3eca6381b4fbb10",
    "2024 venue Centre social Lounès Matoub": "477e77faf77607fa",
    "2024 quarter Bas Montreuil – République": "477e77faf77607fa",
    "2024 quarter Bel Air – Grands Pêchers": "6938804f45399036",
    "2024 quarter La Noue": "64041206c78dc5ea",
    "2025 city": "07a6828f26512ee7",
    "2025 venue Antenne Bel Air": "b7caa0b7cbf02404",
    "2025 venue Centre social Grand Air": "6b1d299b998fe7e9",
    "2025 venue Centre social Lounès Matoub": "3d530fca242d2bd1",
    "2025 quarter Bas Montreuil – République": "3d530fca242d2bd1",
    "2025 quarter Bel Air – Grands Pêchers": "c84cbe51dee1abd4",
    "2025 quarter La Noue": "c33672ab7d37c9ad",
}


def digest(report) -> str:
    """The page's digest; the workshops' table, added later beside the council grid
    (and drawn from rows of their own: small_counts.py), left out."""
    page = {
        "headline": report.headline,
        "tables": [
            [t.key, t.title, t.sheet, t.columns, t.rows, t.note, t.total_row, sorted(t.text_columns)]
            for t in report.tables
            if t.key not in ADDED_SINCE
        ],
        "comparison": [
            report.comparison.title,
            report.comparison.columns,
            report.comparison.rows,
            report.comparison.note,
        ],
        "charts": [[c.key, c.title, c.unit, c.items, str(c.svg)] for c in report.charts],
    }
    text = json.dumps(json.loads(json.dumps(page)), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_coordination_sees_the_same_figures_as_before(coordinator):
    small_counts.build(2, 30)
    places = [("city", {})]
    places += [(f"venue {v.name}", {"venue": v}) for v in Venue.objects.order_by("name")]
    places += [(f"quarter {q.name}", {"quarter": q}) for q in Quarter.objects.order_by("name")]
    seen = {
        f"{year} {name}": digest(build_report(user=coordinator, year=year, source=Source.LIVE, **place))
        for year in YEARS
        for name, place in places
    }
    assert seen == COORDINATION_PAGES


# --- the rule on hand-made cells --------------------------------------------------


def test_a_sum_with_one_hidden_cell_hides_its_smallest_other_part():
    values = {"persons": 20, "women": 12, "men": 6, "sex_unknown": 2}
    sums = [Relation("persons", ("women", "men", "sex_unknown"))]
    assert hidden_cells(values, sums) == {"sex_unknown", "men"}


def test_with_no_other_part_left_the_total_is_hidden():
    # y (3) hides cdi (6) in x; cdi is alone in the venue's outcomes beside a
    # zero, which protects nothing: the venue's total goes too.
    values = {"x": 9, "cdi": 6, "y": 3, "venue_total": 6, "cdd": 0}
    sums = [Relation("x", ("cdi", "y")), Relation("venue_total", ("cdi", "cdd"))]
    assert hidden_cells(values, sums) == {"y", "cdi", "venue_total"}


def test_hiding_spreads_across_the_sums_that_share_a_cell():
    # Two quarters by sex: hiding the 3 women of q1 hides the 9 of q2 (their
    # column), then the men of each quarter (their rows): a rectangle, where
    # every row and column has two hidden cells.
    values = {
        "persons": 23,
        "women": 12,
        "men": 11,
        "q1": 8,
        "q1.women": 3,
        "q1.men": 5,
        "q2": 15,
        "q2.women": 9,
        "q2.men": 6,
    }
    sums = [
        Relation("persons", ("women", "men")),
        Relation("women", ("q1.women", "q2.women")),
        Relation("men", ("q1.men", "q2.men")),
        Relation("q1", ("q1.women", "q1.men")),
        Relation("q2", ("q2.women", "q2.men")),
        Relation("persons", ("q1", "q2")),
    ]
    assert hidden_cells(values, sums) == {"q1.women", "q2.women", "q1.men", "q2.men"}


def test_a_hidden_cell_that_sums_fix_only_together_gets_one_more_neighbour_hidden():
    # p + q = a, p + r = b, q + r = c: two hidden cells in each sum, yet the
    # three equations fix p, q and r. With a hidden too, they fix none.
    values = {"p": 1, "q": 4, "r": 4, "a": 5, "b": 5, "c": 8}
    sums = [Relation("a", ("p", "q")), Relation("b", ("p", "r")), Relation("c", ("q", "r"))]
    assert hidden_cells(values, sums) == {"p", "q", "r", "a"}


def test_every_declared_sum_holds_and_coordination_sees_every_figure(dataset):
    bilan = compute_bilan(YEAR)
    values = counts(bilan)
    assert all(relation.holds(values) for relation in relations(bilan))
    assert {r.total for r in relations(bilan)} >= {"persons", "appointments", "outcomes_total", "women"}
    figures = Figures.shown_to(bilan, masked=False)
    assert not figures.hidden and figures["men"] == 1


def test_the_markers_say_a_small_count_or_a_figure_hidden_to_protect_one(dataset):
    figures = Figures.shown_to(compute_bilan(YEAR), masked=True)
    assert figures["men"] == SMALL and figures["sex_unknown"] == SMALL
    assert figures["women"] == 7  # two hidden cells beside it: nothing to subtract
    assert figures["men_pct"] == SECRET and figures["women_pct"] == 78
    noue = next(q for q in figures.bilan.by_quarter if q.name == "La Noue")
    assert (figures.of(noue, "women"), figures.of(noue, "men")) == (SECRET, SMALL)


def test_the_headline_says_which_figure_it_does_not_give(dataset):
    hidden = {"persons", "women_pct", "men_pct", "persons_with_outcome", "outcomes_grouped.cdi"}
    figures = Figures(compute_bilan(YEAR), hidden=frozenset(hidden))
    assert headline(figures) == (
        "Un nombre non communiqué de personnes accompagnées ; 12 rendez-vous individuels ; "
        "moins de 5 personnes ont trouvé un emploi ou une formation : moins de 5 CDI, 0 CDD, "
        "0 contrat aidé ou d'apprentissage, 1 formation."
    )
    assert plural(SECRET, "autre sortie", "autres sorties") == "un nombre non communiqué d'autres sorties"


def test_fewer_than_five_persons_are_not_detailed(client, city, coordinator, dataset):
    dashboard, export = reverse("reporting:dashboard"), reverse("reporting:export", args=["csv"])
    client.force_login(city)
    response = client.get(dashboard, {"year": YEAR - 1})
    html = response.content.decode()
    report = response.context["report"]
    assert report.withheld and report.tables == []
    assert "Moins de 5 personnes ont été accompagnées en 2022 (tous les lieux d&#x27;accueil)" in html
    assert "secret statistique" in html and "2 permanences tenues" in html
    assert 'id="tableau-' not in html and "Données du graphique" not in html
    csv = client.get(export, {"year": YEAR - 1}).content.decode("utf-8-sig")
    assert "Moins de 5 personnes" in csv and "Chiffres clés" not in csv

    # A venue, the venues of a quarter: the same rule on the persons received there.
    venue, quarter = dataset["venues"][0], dataset["quarters"][0]
    for scope, label in ((venue, f"lieu d'accueil : {venue.name}"), (quarter, f"du quartier {quarter.name}")):
        params = {"year": YEAR - 1, scope._meta.model_name: scope.pk}
        response = client.get(dashboard, params)
        report = response.context["report"]
        assert report.withheld and report.tables == [] and report.bilan.persons == 2, label
        assert label.replace("'", "&#x27;") in response.content.decode()
        csv = client.get(export, params).content.decode("utf-8-sig")
        assert "Moins de 5 personnes" in csv and "Chiffres clés" not in csv, label
        assert not client.get(dashboard, {**params, "year": YEAR}).context["report"].withheld, label

    client.force_login(coordinator)
    report = client.get(dashboard, {"year": YEAR - 1}).context["report"]
    assert not report.withheld and report.bilan.persons == 3
    report = client.get(dashboard, {"year": YEAR - 1, "venue": venue.pk}).context["report"]
    assert not report.withheld and report.bilan.persons == 2


@pytest.mark.parametrize("scope", ["city", "venue"])
def test_fewer_than_five_persons_are_not_detailed_in_the_pdf_and_xlsx_either(client, city, dataset, scope):
    params = {"year": YEAR - 1} | ({"venue": dataset["venues"][0].pk} if scope == "venue" else {})
    client.force_login(city)
    pdf = client.get(reverse("reporting:export", args=["pdf"]), params).content
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Moins de 5 personnes ont été accompagnées en 2022" in text
    assert "Chiffres clés" not in text
    xlsx = client.get(reverse("reporting:export", args=["xlsx"]), params).content
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    presentation = " ".join(
        str(cell.value) for row in book["Présentation"].iter_rows() for cell in row if cell.value is not None
    )
    assert "Moins de 5 personnes ont été accompagnées en 2022" in presentation
    assert "Chiffres clés" not in book.sheetnames


def test_the_pdf_shows_the_city_exactly_what_its_page_shows(client, city, coordinator, dataset):
    """The PDF renders the page's tables row for row (the key figures within the
    comparison with last year), hidden figures as their markers: it gives the city
    no figure its page hides, while coordination's PDF has them all."""
    dashboard, pdf = reverse("reporting:dashboard"), reverse("reporting:export", args=["pdf"])

    def read(user) -> tuple[list[str], str]:
        client.force_login(user)
        report = client.get(dashboard, {"year": YEAR}).context["report"]
        document = PdfReader(io.BytesIO(client.get(pdf, {"year": YEAR}).content))
        # A long row label wraps: the rows are read in the words of the whole text.
        text = " ".join(" ".join(page.extract_text() for page in document.pages).split())
        assert report.tables[0].key == "chiffres-cles"  # shown within the comparison
        tables = [report.comparison, *report.tables[1:]]
        rows = [" ".join(" ".join(str(value) for value in row).split()) for t in tables for row in t.rows]
        return rows, f" {text} "

    rows, text = read(city)
    assert [row for row in rows if f" {row} " not in text] == []
    assert any(SMALL in row for row in rows) and any(SECRET in row for row in rows)

    rows, text = read(coordinator)
    assert [row for row in rows if f" {row} " not in text] == []
    assert SMALL not in text and f" {SECRET} " not in text

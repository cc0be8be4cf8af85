"""PDF, XLSX and CSV exports of the bilan, read back as a reader would."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from permanences.models import Venue

from ..factories import make_permanence, make_person, make_visit
from .conftest import SECRET_BIRTH_DATE, SECRET_NAMES, SECRET_PHONE, YEAR

pytestmark = pytest.mark.django_db


def export(client, user, fmt, **params):
    client.force_login(user)
    response = client.get(reverse("reporting:export", args=[fmt]), {"year": YEAR, **params})
    assert response.status_code == 200
    return response


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_cells(content: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book.worksheets
    }


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))


def test_the_pdf_is_a4_in_french_with_the_headline_and_the_charts(client, coordinator, dataset):
    response = export(client, coordinator, "pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="bilan-{YEAR}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) * 25.4 / 72), round(float(height) * 25.4 / 72)) == (210, 297)
    text = " ".join(pdf_text(response.content).split())
    assert f"Bilan {YEAR} des permanences emploi" in text
    assert "9 personnes accompagnées, dont 78 % de femmes et 11 % d'hommes" in text
    assert "12 rendez-vous individuels" in text
    assert "Rendez-vous individuels par mois" in text  # a chart's caption
    assert "Page 1 / " in text


def test_the_council_pdf_is_a_tagged_pdf_for_screen_readers(client, coordinator, dataset):
    """PDF/UA-1: a structure tree in reading order, marked content, language and title."""
    reader = PdfReader(io.BytesIO(export(client, coordinator, "pdf").content))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "fr"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == f"Bilan {YEAR} des permanences emploi"
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    tags = set()

    def walk(element):
        element = element.get_object()
        if "/S" in element:
            tags.add(str(element["/S"]))
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD"} <= tags


def test_the_xlsx_has_one_sheet_per_table(client, coordinator, dataset):
    response = export(client, coordinator, "xlsx")
    sheets = xlsx_cells(response.content)
    assert list(sheets) == [
        "Présentation",
        "Chiffres clés",
        "Ateliers",
        "Sorties par type",
        "Sorties regroupées",
        "Emploi et formation",
        "Âges",
        "Quartiers de résidence",
        "Lieux d'accueil",
        "Sorties par lieu",
        "Mois",
        "Orientations",
        "Rendez-vous de suivi",
        f"Comparaison avec {YEAR - 1}",
    ]
    assert f"Comparaison avec {YEAR - 1}" in sheets
    key_figures = sheets["Chiffres clés"]
    assert ["Personnes accompagnées", 9] in key_figures
    assert ["Rendez-vous individuels", 12] in key_figures
    presentation = [row[0] for row in sheets["Présentation"] if row]
    assert any("Chiffres du jour" in str(line) for line in presentation)


def test_the_csv_is_for_french_excel(client, coordinator, dataset):
    response = export(client, coordinator, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response.content)
    assert ["Personnes accompagnées", "9"] in rows
    assert ["Activité par lieu d'accueil"] in rows


def test_city_exports_hide_small_counts_and_hold_no_identity(client, city, dataset, artefacts):
    refs = list(Beneficiary.objects.values_list("ref", flat=True))
    secrets = [
        *SECRET_NAMES,
        *refs,
        SECRET_PHONE,
        SECRET_PHONE.replace(" ", ""),
        f"{SECRET_BIRTH_DATE:%d/%m/%Y}",
        SECRET_BIRTH_DATE.isoformat(),
    ]
    pdf = pdf_text(export(client, city, "pdf", chiffres="jour").content)
    sheets = xlsx_cells(export(client, city, "xlsx", chiffres="jour").content)
    rows = csv_rows(export(client, city, "csv", chiffres="jour").content)
    xlsx_text = "\n".join(str(value) for sheet in sheets.values() for row in sheet for value in row)
    csv_text = "\n".join(";".join(row) for row in rows)
    for name, text in [("pdf", pdf), ("xlsx", xlsx_text), ("csv", csv_text)]:
        for secret in secrets:
            assert secret not in text, (name, secret)
        assert "< 5" in text, name
        assert "secret statistique" in text, name
    # Quarter x sex: the one man of La Noue is hidden, and so are its 6 women, who
    # would give him back (7 - 6 - 0); zero and the row's total are not.
    [noue] = [row for row in sheets["Quartiers de résidence"] if row[0] == "La Noue"]
    assert noue[:6] == ["La Noue", "oui", 7, "secret", "< 5", 0]
    assert ["La Noue", "oui", "7", "secret", "< 5", "0", "8"] in rows


def test_every_text_cell_is_neutralised(client, coordinator, dataset):
    hostile = Venue.objects.create(name='=HYPERLINK("http://x";"clic")', quarter=dataset["quarters"][0])
    make_visit(make_person("Piégé"), make_permanence(hostile, dataset["persons"][0].visits.first().date))
    sheets = xlsx_cells(export(client, coordinator, "xlsx").content)
    venue_rows = sheets["Lieux d'accueil"]
    assert any(row[0] == '\'=HYPERLINK("http://x";"clic")' for row in venue_rows)
    book = openpyxl.load_workbook(io.BytesIO(export(client, coordinator, "xlsx").content))
    assert all(
        cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    )
    rows = csv_rows(export(client, coordinator, "csv").content)
    assert any(row and row[0] == '\'=HYPERLINK("http://x";"clic")' for row in rows)
    assert not any(row and row[0].startswith("=") for row in rows)


def test_an_unknown_format_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("reporting:export", args=["docx"])).status_code == 404


def test_a_restricted_export_is_named_after_its_venue(client, coordinator, dataset):
    venue = dataset["venues"][0]
    response = export(client, coordinator, "csv", venue=venue.pk)
    assert (
        response["Content-Disposition"] == f'attachment; filename="bilan-{YEAR}-centre-social-grand-air.csv"'
    )

"""Cells every export writes: formulas neutralised, phone numbers readable, French Excel CSV."""

import csv
import io

import openpyxl
import pytest

from beneficiaries.spreadsheets import Sheet, csv_bytes, neutralise, xlsx_bytes

INJECTIONS = [
    '=HYPERLINK("http://x";"clic")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "+",
    "-",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "-12,5", "+1-555-0100", "06 39 98 01 02", "Martin"]
)
def test_phone_numbers_numbers_and_ordinary_text_stay_as_they_are(text):
    assert neutralise(text) == text


def test_non_text_values_are_left_alone():
    assert neutralise(-3) == -3 and neutralise(None) is None


def test_the_csv_is_for_french_excel():
    content = csv_bytes(
        [["Nom", "Nombre"], ["Élodie; « Martin »", 3], ['=HYPERLINK("http://x";"clic")', None]]
    )
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8").lstrip("\ufeff")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["Nom", "Nombre"], ["Élodie; « Martin »", "3"], ['\'=HYPERLINK("http://x";"clic")', ""]]


def test_the_xlsx_has_numbers_as_numbers_and_no_formula():
    content = xlsx_bytes(
        [
            Sheet(
                title="Données: 2020/2021 [test]", rows=[["Lieu", "Personnes"], ["=1+1", 4], ["+33 6 12", 2]]
            ),
            Sheet(title="Données: 2020/2021 [test]", rows=[["x"]], header_rows=0),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Données  2020 2021  test", "Données  2020 2021  test (2)"]
    sheet = book.worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Lieu", "Personnes"],
        ["'=1+1", 4],
        ["+33 6 12", 2],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

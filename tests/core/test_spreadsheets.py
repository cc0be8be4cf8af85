"""Spreadsheet cells and files: formula neutralisation and its exact inverse,
and reading CSV (any separator and encoding a French office produces) or XLSX."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest

from core.spreadsheets import (
    UnreadableFile,
    WorkbookSheet,
    csv_bytes,
    looks_like_formula,
    neutralise,
    restore,
    write_csv,
    xlsx_bytes,
)

from ..sheets import read_sheet

TRICKY = [
    "",
    "Martin",
    "=1+1",
    '=HYPERLINK("http://example.org";"clic")',
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(A1)",
    "\tindenté",
    "\rretour",
    "'déjà une apostrophe",
    "''deux",
    "'=déjà neutralisé",
    "a=b",
    "L'Haÿ-les-Roses",
]


@pytest.mark.parametrize("value", TRICKY)
def test_restore_undoes_neutralise_exactly(value):
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["=1+1", "+33 6 12 34 56 78", "-x", "@x", "\tx", "\rx"])
def test_neutralised_cells_never_start_a_formula(value):
    assert neutralise(value).startswith("'")
    assert neutralise(value)[1:] == value


def test_a_foreign_phone_stays_readable():
    assert neutralise("+44 20 7946 0958") == "'+44 20 7946 0958"


def test_plain_text_is_left_alone():
    for value in ["Martin", "06 12 34 56 78", "2020-00042", "a=b", "L'Haÿ"]:
        assert neutralise(value) == value
        assert restore(value) == value


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ('+HYPERLINK("http://x")', True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("+33 6 12 34 56 78", False),
        ("- rappeler la semaine prochaine", False),
        ("- RDV (France Travail)", False),
        ("Martin", False),
    ],
)
def test_what_counts_as_a_formula_on_import(value, formula):
    assert looks_like_formula(value) is formula


def test_write_csv_is_utf8_with_bom_semicolons_and_neutralised():
    data = write_csv(["ref", "notes"], iter([["A-1", "=1+1"], ["A-2", "a; b\r\nc"]]))
    assert data.startswith(b"\xef\xbb\xbf")
    sheet = read_sheet(data)
    assert sheet.header == ["ref", "notes"]
    assert sheet.rows == [(2, ["A-1", "'=1+1"]), (3, ["A-2", "a; b\r\nc"])]


@pytest.mark.parametrize(
    ("data", "separator"),
    [
        ("ref,nom\r\nA-1,Hélène\r\n".encode(), ","),
        ("ref;nom\r\nA-1;Hélène\r\n".encode("cp1252"), ";"),
        (b"\xef\xbb\xbf" + "ref;nom\nA-1;Hélène\n".encode(), ";"),
    ],
)
def test_csv_separators_and_encodings(data, separator):
    sheet = read_sheet(data)
    assert sheet.format == "CSV"
    assert sheet.header == ["ref", "nom"]
    assert sheet.rows == [(2, ["A-1", "Hélène"])]


def test_blank_rows_are_skipped_but_counted():
    sheet = read_sheet(b"ref,nom\n\nA-1,X\n,\nA-2,Y\n")
    assert sheet.rows == [(3, ["A-1", "X"]), (5, ["A-2", "Y"])]


def test_a_quoted_cell_may_hold_a_line_break_and_the_line_is_the_row():
    sheet = read_sheet(b'ref,notes\nA-1,"two\nlines"\nA-2,x\n')
    assert sheet.rows == [(2, ["A-1", "two\nlines"]), (3, ["A-2", "x"])]


def test_xlsx_first_sheet_with_dates_and_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ref", "birth_date", "phone", None])
    sheet.append(["A-1", datetime.datetime(1990, 3, 4), 612345678, None])
    sheet.append([None, None, None])
    sheet.append(["A-2", "04/03/1990", 3.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_sheet(buffer.getvalue())
    assert read.format == "XLSX"
    assert read.header == ["ref", "birth_date", "phone"]
    assert read.rows == [
        (2, ["A-1", datetime.date(1990, 3, 4), "612345678"]),
        (4, ["A-2", "04/03/1990", "3"]),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Fichier vide"),
        (b"ref,nom\x00\nA,B\n", "caractères nuls"),
        (bytes(range(256)) * 10, "caractères nuls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 100, ".xls"),
        (b"PK\x03\x04" + b"garbage" * 50, "Classeur XLSX illisible"),
        (b"ref,nom\n\x81\x8d\x8f\x90\x9d,x\n", "ni en Windows-1252"),
        (b'ref,nom\nA,"unterminated\n', "mal formé"),
    ],
)
def test_unreadable_files_are_refused_in_french(data, message):
    with pytest.raises(UnreadableFile, match=message):
        read_sheet(data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(UnreadableFile, match="XLSX illisible"):
        read_sheet(buffer.getvalue())


def test_xlsx_rows_keep_their_sheet_numbers_after_gaps_and_ignore_far_cells():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "ref", "nom"
    sheet["A5"], sheet["B5"] = "A-1", "Hélène"
    sheet["Z5"] = "loin à droite"
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = read_sheet(buffer.getvalue())
    assert read.header == ["ref", "nom"]
    assert read.rows == [(5, ["A-1", "Hélène"])]


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
            WorkbookSheet(
                title="Données: 2020/2021 [test]", rows=[["Lieu", "Personnes"], ["=1+1", 4], ["+33 6 12", 2]]
            ),
            WorkbookSheet(title="Données: 2020/2021 [test]", rows=[["x"]], header_rows=0),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Données  2020 2021  test", "Données  2020 2021  test (2)"]
    sheet = book.worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Lieu", "Personnes"],
        ["'=1+1", 4],
        ["'+33 6 12", 2],  # shown as text, readable
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

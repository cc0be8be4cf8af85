"""Hostile uploads are refused on the upload form before anything is parsed:
an XLSX bomb, a file of a million rows, too many columns. Within seconds, with
the memory peak bounded, in French, nothing kept."""

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from beneficiaries.models import ImportJob, ImportUpload
from core.spreadsheets import TooLarge, measure_sheet

from ..sheets import read_sheet
from .files import page_text, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="personnes" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_START = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>last_name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>first_name</t></is></c></row>'
)


ROW = b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>'


def workbook(*, shared_strings_mb: int = 0, rows: int = 1, header_cells: int = 0) -> bytes:
    """A small XLSX: its shared strings inflating to `shared_strings_mb` (a bomb), its
    sheet holding `rows` data rows; written chunk by chunk, never whole in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                SHEET_START + HEADER_ROW.replace(b"</row>", b'<c r="C1"/>' * header_cells + b"</row>")
            )
            for start in range(2, rows + 2, 10_000):
                sheet.write(b"".join(ROW % (n, n) for n in range(start, min(start + 10_000, rows + 2))))
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            block = b"<si><t>Martin</t></si>" * 40_000
            for _ in range(shared_strings_mb * MB // len(block)):
                strings.write(block)
            strings.write(b"<si><t>Martin</t></si></sst>")
    return buffer.getvalue()


def million_row_csv() -> bytes:
    return b"last_name,first_name\n" + b"A,B\n" * 1_000_000


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = workbook(shared_strings_mb=500)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > 499 * MB  # it is a real bomb
    assert len(data) < 2 * MB
    return data


@pytest.fixture(scope="module")
def million_rows() -> bytes:
    data = workbook(rows=1_000_000)
    assert len(data) < 5 * MB
    return data


def post_upload(client, name: str, content: bytes):
    data = {"token": str(uuid.uuid4()), "beneficiaries": SimpleUploadedFile(name, content)}
    return client.post(reverse("beneficiaries:import"), data)


def refused_in_time(client, name: str, content: bytes) -> tuple[str, float]:
    """The upload's refusal (the French text of the page) and its duration (s). Its
    memory peak is measured in a process of its own (below)."""
    started = time.perf_counter()
    response = post_upload(client, name, content)
    seconds = time.perf_counter() - started
    assert response.status_code == 400
    assert not ImportUpload.objects.exists() and not ImportJob.objects.exists()  # nothing kept
    return page_text(response), seconds


@pytest.mark.django_db
def test_an_xlsx_bomb_is_refused_on_the_upload_form_before_it_inflates(client, coordinator, bomb):
    client.force_login(coordinator)
    text, seconds = refused_in_time(client, "personnes.xlsx", bomb)
    assert (
        "Classeur XLSX refusé : sa partie « xl/sharedStrings.xml » ferait 499,3 Mo une fois décompressée, "
        "16,0 Mo au plus." in text
    )
    assert seconds < 3, seconds


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_million_row_file_is_refused_on_the_upload_form(client, coordinator, million_rows, kind):
    client.force_login(coordinator)
    content = million_rows if kind == "xlsx" else million_row_csv()
    assert len(content) < 5 * MB
    text, seconds = refused_in_time(client, f"personnes.{kind}", content)
    assert (
        "Fichier trop long : plus de 200 000 lignes (sans compter celle des noms de colonnes). "
        "Découpez-le, par année par exemple." in text
    )
    assert seconds < 3, seconds


@pytest.mark.django_db
def test_too_many_columns_are_refused(client, coordinator):
    client.force_login(coordinator)
    header = ",".join(["last_name", "first_name", *(f"x{n}" for n in range(298))]).encode()
    text, _ = refused_in_time(client, "personnes.csv", header + b"\nMartin,Zoe\n")
    assert "Ligne 1 : 300 colonnes, 200 au plus." in text
    with pytest.raises(TooLarge, match=r"Ligne 1 : 252 colonnes, 200 au plus\."):
        measure_sheet(workbook(rows=2, header_cells=250))


def test_the_bounds_are_settings_and_a_file_within_them_is_measured(settings):
    settings.IMPORT_MAX_ROWS = 2
    data = b"last_name,first_name\nA,B\nC,D\n"
    book = xlsx_bytes(["last_name"], [["A"], ["B"]])
    assert measure_sheet(data) == 2 and measure_sheet(book) == 2
    assert measure_sheet(b"PK\x03\x04 not a zip") is None  # unreadable: the preview says why
    settings.IMPORT_MAX_ROWS = 1
    for content in (data, book):
        with pytest.raises(TooLarge, match="plus de 1 lignes"):
            measure_sheet(content)
        with pytest.raises(TooLarge, match="plus de 1 lignes"):
            read_sheet(content)


# Measured in a process of its own: the whole process's memory peak (resident set),
# C allocations of zlib and openpyxl included, on the path of the form (`measure_sheet`)
# and on the path of the worker and the command (`open_sheet`, reading as a stream).
MEASURE = """
import json, re, sys, time, django
django.setup()
from core.spreadsheets import UnreadableFile, measure_sheet, open_sheet

def peak_mb():  # this process's high-water mark (ru_maxrss would count the parent's, before exec)
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) / 1024

data = open(sys.argv[1], "rb").read()
base = peak_mb()
out = {}
def read(data):  # row by row, as the planner does (which keeps its checked rows, not the cells)
    for _row in open_sheet(data).rows:
        pass

for name, run in (("measure", measure_sheet), ("read", read)):
    started = time.perf_counter()
    try:
        run(data)
        out[name] = "accepted"
    except UnreadableFile as error:
        out[name] = str(error)
    out[name + "_seconds"] = time.perf_counter() - started
out["baseline_mb"] = base
out["peak_mb"] = peak_mb()
print(json.dumps(out))
"""


@pytest.mark.parametrize("case", ["bomb", "million-xlsx", "million-csv"])
def test_the_memory_peak_of_a_refusal_is_bounded(tmp_path, request, case):
    content = {
        "bomb": lambda: request.getfixturevalue("bomb"),
        "million-xlsx": lambda: request.getfixturevalue("million_rows"),
        "million-csv": million_row_csv,
    }[case]()
    path = tmp_path / "file"
    path.write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout)
    print(case, figures)  # the figures of the report (pytest -s)
    for name in ("measure", "read"):
        assert figures[name].startswith(("Classeur XLSX refusé", "Fichier trop long")), figures
        assert figures[f"{name}_seconds"] < 5, figures
    # Nothing inflated, nothing parsed: the peak is the process's own (Django and the file).
    assert figures["peak_mb"] - figures["baseline_mb"] < 20, figures
    assert figures["peak_mb"] < 200, figures


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_directory_of_a_workbook_is_bounded_before_anything_inflates(settings):
    parts = {f"xl/media/image{n}.png": b"" for n in range(1001)}
    with pytest.raises(TooLarge, match=r"Classeur XLSX refusé : plus de 1000 parties"):
        measure_sheet(zip_of(parts))
    zeros = zip_of({"xl/styles.xml": b"\0" * (2 * MB)})
    with pytest.raises(TooLarge, match=r"« xl/styles\.xml » se décompresse plus de 100 fois"):
        measure_sheet(zeros)
    # Within 1000 parts and a ratio of 100, the sheet itself has its bound (a setting).
    book = workbook(rows=100)
    assert measure_sheet(book) == 100
    settings.IMPORT_MAX_XLSX_SHEET_BYTES = 1000
    with pytest.raises(TooLarge, match=r"« xl/worksheets/sheet1\.xml » ferait .* une fois décompressée"):
        measure_sheet(book)

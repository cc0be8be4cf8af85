"""Building import files in tests, and running the import."""

import csv
import html
import io
import re

import openpyxl

from beneficiaries.data_services import activity_import
from beneficiaries.enums import ExportContent
from beneficiaries.exports import export_file
from beneficiaries.imports import EXPORT_COLUMNS, ImportSource
from beneficiaries.models import Beneficiary, Outcome, Referral, Visit, Workshop, WorkshopRegistration
from permanences.models import Permanence

# The first format's columns: spreadsheets written for it keep importing.
PERSON_HEADER = ["ref", "last_name", "first_name", "sex", "birth_date", "quarter", "phone", "email"]
VISIT_HEADER = ["ref", "date", "venue", "kind", "topics", "referral", "notes"]
OUTCOME_HEADER = ["ref", "type", "start_date", "end_date", "label"]
# Every column of today's format, as the export writes them.
FULL_HEADERS = dict(EXPORT_COLUMNS)


def csv_bytes(header, rows, *, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(ref="A-1", last_name="Martin", first_name="Élodie", sex="F", birth_date="1990-03-04", **extra):
    row = {"ref": ref, "last_name": last_name, "first_name": first_name, "sex": sex, "birth_date": birth_date}
    row.update(extra)
    return [row.get(name, "") for name in PERSON_HEADER]


def visit(ref="A-1", date="2024-01-08", venue="Centre social Grand Air", **extra):
    row = {"ref": ref, "date": date, "venue": venue, **extra}
    return [row.get(name, "") for name in VISIT_HEADER]


def outcome(ref="A-1", type="cdd", start_date="2024-02-01", **extra):
    row = {"ref": ref, "type": type, "start_date": start_date, **extra}
    return [row.get(name, "") for name in OUTCOME_HEADER]


def full_row(file_kind: str, /, **cells) -> list[str]:
    """A row of today's format (FULL_HEADERS), the cells not given empty."""
    unknown = set(cells) - set(FULL_HEADERS[file_kind])
    assert not unknown, unknown
    return [cells.get(name, "") for name in FULL_HEADERS[file_kind]]


def sources(**files) -> dict[str, ImportSource]:
    """kind=bytes, or kind=list of rows: a CSV with the first format's header, or with
    today's full header for the sessions and referrals files and for rows of `full_row`."""
    headers = {"beneficiaries": PERSON_HEADER, "visits": VISIT_HEADER, "outcomes": OUTCOME_HEADER}
    result = {}
    for kind, data in files.items():
        if isinstance(data, list):
            full = kind not in headers or (data and len(data[0]) == len(FULL_HEADERS[kind]))
            data = csv_bytes(FULL_HEADERS[kind] if full else headers[kind], data)
        result[kind] = ImportSource(f"{kind}.csv", data)
    return result


def run_import(*, user=None, dry_run=False, decisions=None, **files):
    return activity_import(sources=sources(**files), user=user, dry_run=dry_run, decisions=decisions)


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Beneficiary,
            Visit,
            Referral,
            Outcome,
            Permanence,
            Visit.topics.through,
            Workshop,
            WorkshopRegistration,
        )
    }


EXPORTS = {
    "beneficiaries": ExportContent.BENEFICIARIES,
    "sessions": ExportContent.SESSIONS,
    "visits": ExportContent.VISITS,
    "referrals": ExportContent.REFERRALS,
    "outcomes": ExportContent.OUTCOMES,
    "workshops": ExportContent.WORKSHOPS,
    "registrations": ExportContent.REGISTRATIONS,
}


def export_all(today, fmt="csv") -> dict[str, bytes]:
    """The seven files of a nominative export, by import kind."""
    return {kind: export_file(content, today=today, fmt=fmt).data for kind, content in EXPORTS.items()}


def import_all(files: dict[str, bytes], *, user=None, fmt="csv", decisions=None):
    sources = {kind: ImportSource(f"{kind}.{fmt}", data) for kind, data in files.items()}
    return activity_import(sources=sources, user=user, decisions=decisions)


def page_text(response) -> str:
    """What a reader sees of a page's body: text without tags, entities or runs of spaces."""
    body = re.sub(r"(?s)<head>.*?</head>", "", response.content.decode())
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

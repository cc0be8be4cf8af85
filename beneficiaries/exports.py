"""Nominative exports: the three files of the import format, from the database.

Written by `spreadsheets.write_csv` (UTF-8 with BOM, semicolons, ISO dates,
formulas neutralised), so that importing them into an empty database gives
back what the format carries. Recorded by `services.nominative_export`.
"""

import datetime
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from core.spreadsheets import write_csv

from .enums import ExportContent, Sex
from .imports import COLUMNS, LIST_SEPARATOR, OUTCOMES, PERSONS, VISITS, ReferralCell
from .models import Beneficiary, Outcome, Referral, Visit

CHUNK = 5000


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    content_type: str
    rows: int


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def beneficiary_rows() -> Iterator[list[str]]:
    rows = (
        Beneficiary.objects.order_by("ref")
        .values_list("ref", "last_name", "first_name", "sex", "birth_date", "quarter__name", "phone", "email")
        .iterator(chunk_size=CHUNK)
    )
    for ref, last_name, first_name, sex, birth_date, quarter, phone, email in rows:
        yield [
            ref,
            last_name,
            first_name,
            "" if sex == Sex.NOT_STATED else sex,
            _date(birth_date),
            quarter or "",
            phone,
            email,
        ]


def visit_rows() -> Iterator[list[str]]:
    topics: dict[int, list[str]] = defaultdict(list)
    for visit_id, code in Visit.topics.through.objects.values_list("visit_id", "topic__code").order_by(
        "topic__code"
    ):
        topics[visit_id].append(code)
    referrals: dict[int, dict[str, ReferralCell]] = defaultdict(dict)
    for visit_id, partner, status, checked_on in Referral.objects.filter(visit__isnull=False).values_list(
        "visit_id", "partner", "status", "checked_on"
    ):
        referrals[visit_id].setdefault(partner, ReferralCell(partner, status, checked_on))
    rows = (
        Visit.objects.order_by("date", "beneficiary__ref", "permanence__venue__name", "pk")
        .values_list("pk", "beneficiary__ref", "date", "permanence__venue__name", "kind", "notes")
        .iterator(chunk_size=CHUNK)
    )
    for pk, ref, date, venue, kind, notes in rows:
        yield [
            ref,
            _date(date),
            venue,
            kind,
            LIST_SEPARATOR.join(topics.get(pk, ())),
            LIST_SEPARATOR.join(cell.text() for _, cell in sorted(referrals.get(pk, {}).items())),
            notes,
        ]


def outcome_rows() -> Iterator[list[str]]:
    rows = (
        Outcome.objects.order_by("beneficiary__ref", "start_date", "kind", "pk")
        .values_list("beneficiary__ref", "kind", "start_date", "end_date", "employer")
        .iterator(chunk_size=CHUNK)
    )
    for ref, kind, start, end, employer in rows:
        yield [ref, kind, _date(start), _date(end), employer]


FILES = {
    ExportContent.BENEFICIARIES: ("personnes", COLUMNS[PERSONS], beneficiary_rows),
    ExportContent.VISITS: ("rendez-vous", COLUMNS[VISITS], visit_rows),
    ExportContent.OUTCOMES: ("sorties", COLUMNS[OUTCOMES], outcome_rows),
}


class _Counted:
    def __init__(self, rows: Iterator[list[str]]):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def export_file(content: str, *, today: datetime.date) -> ExportFile:
    """One file of the import format, or the three in a zip (`ExportContent.ALL`)."""
    if content == ExportContent.ALL:
        buffer, total = io.BytesIO(), 0
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in FILES:
                file = export_file(part, today=today)
                archive.writestr(file.name, file.data)
                total += file.rows
        return ExportFile(
            f"export-nominatif-{today.isoformat()}.zip", buffer.getvalue(), "application/zip", total
        )
    stem, header, rows = FILES[ExportContent(content)]
    counted = _Counted(rows())
    data = write_csv(list(header), iter(counted))
    return ExportFile(f"{stem}-{today.isoformat()}.csv", data, "text/csv; charset=utf-8", counted.count)

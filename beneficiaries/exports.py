"""Nominative exports: the seven files of the import format, every column, from the database.

CSV by `spreadsheets.write_csv` (UTF-8 with BOM, semicolons, formulas
neutralised) or XLSX by `spreadsheets.xlsx_bytes` (one sheet, text cells
neutralised); dates YYYY-MM-DD, times HH:MM, lists separated by |. Importing
them into an empty database with the same territory, topics and user accounts
gives back every row, and exporting again the same files, byte for byte
(docs/IMPORT.md). Rows come in an order of their own content (never of
database ids), so that the round trip keeps it. Anonymised files are exported
as they are stored — no name, no contact, no free text — with their
anonymisation date. Recorded by `data_services.nominative_export`.
"""

import datetime
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.spreadsheets import WorkbookSheet, write_csv, xlsx_bytes
from permanences.models import Permanence

from .enums import ExportContent, ExportFormat, RegistrationStatus, Sex
from .imports import (
    EXPORT_COLUMNS,
    LIST_SEPARATOR,
    OUTCOMES,
    PERSONS,
    REFERRALS,
    REGISTRATIONS,
    SESSIONS,
    TIME_FORMAT,
    VISITS,
    WORKSHOPS,
)
from .models import Beneficiary, Outcome, Referral, Visit, Workshop, WorkshopRegistration

CHUNK = 5000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFile:
    name: str
    data: bytes
    content_type: str
    rows: int


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _time(value: datetime.time | None) -> str:
    return value.strftime(TIME_FORMAT) if value else ""


def _joined(values) -> str:
    return LIST_SEPARATOR.join(sorted(values))


def beneficiary_rows() -> Iterator[list]:
    rows = (
        Beneficiary.objects.order_by("ref")
        .values_list(
            "ref",
            "last_name",
            "first_name",
            "sex",
            "birth_date",
            "quarter__name",
            "phone",
            "email",
            "france_travail",
            "rsa",
            "rqth",
            "qualification_level",
            "notice_given_on",
            "referent__username",
            "anonymised_at",
        )
        .iterator(chunk_size=CHUNK)
    )
    for *person, referent, anonymised in rows:
        ref, last, first, sex, birth, quarter, phone, email, *flags, level, notice = person
        yield [
            ref,
            last,
            first,
            "" if sex == Sex.NOT_STATED else sex,
            _date(birth),
            quarter or "",
            phone,
            email,
            *flags,
            level,
            _date(notice),
            referent or "",
            _date(timezone.localdate(anonymised) if anonymised else None),
        ]


def session_rows() -> Iterator[list]:
    counsellors: dict[int, list[str]] = defaultdict(list)
    through = Permanence.counsellors.through.objects
    for permanence_id, username in through.values_list("permanence_id", "user__username"):
        counsellors[permanence_id].append(username)
    rows = (
        Permanence.objects.order_by("date", "venue__name", "start_time", "pk")
        .values_list("pk", "venue__name", "date", "start_time", "end_time", "status", "cancel_reason")
        .iterator(chunk_size=CHUNK)
    )
    for pk, venue, date, start, end, status, reason in rows:
        yield [venue, _date(date), _time(start), _time(end), status, reason, _joined(counsellors.get(pk, ()))]


def visit_rows() -> Iterator[list]:
    topics: dict[int, list[str]] = defaultdict(list)
    for visit_id, code in Visit.topics.through.objects.values_list("visit_id", "topic__code"):
        topics[visit_id].append(code)
    rows = (
        Visit.objects.order_by(
            "date", "beneficiary__ref", "permanence__venue__name", "permanence__start_time", "pk"
        )
        .values_list(
            "pk",
            "beneficiary__ref",
            "date",
            "permanence__venue__name",
            "permanence__start_time",
            "kind",
            "counsellor__username",
            "duration_minutes",
            "notes",
            "next_step",
            "next_step_due",
            "next_step_done_on",
        )
        .iterator(chunk_size=CHUNK)
    )
    for pk, ref, date, venue, start, kind, counsellor, minutes, notes, step, due, done in rows:
        yield [
            ref,
            _date(date),
            venue,
            _time(start),
            kind,
            counsellor or "",
            "" if minutes is None else minutes,
            _joined(topics.get(pk, ())),
            notes,
            step,
            _date(due),
            _date(done),
        ]


def referral_rows() -> Iterator[list]:
    rows = (
        Referral.objects.order_by(
            "beneficiary__ref",
            "proposed_on",
            "visit__date",
            "visit__permanence__venue__name",
            "visit__permanence__start_time",
            "partner",
            "pk",
        )
        .values_list(
            "beneficiary__ref",
            "proposed_on",
            "partner",
            "detail",
            "status",
            "checked_on",
            "channel",
            "visit__date",
            "visit__permanence__venue__name",
            "visit__permanence__start_time",
        )
        .iterator(chunk_size=CHUNK)
    )
    for ref, proposed_on, partner, detail, status, checked_on, channel, visit_date, venue, start in rows:
        visit = [_date(visit_date), venue or "", _time(start)]
        yield [ref, _date(proposed_on), partner, detail, status, _date(checked_on), channel, *visit]


def outcome_rows() -> Iterator[list]:
    rows = (
        Outcome.objects.order_by("beneficiary__ref", "start_date", "kind", "pk")
        .values_list("beneficiary__ref", "kind", "start_date", "end_date", "working_time", "employer")
        .iterator(chunk_size=CHUNK)
    )
    for ref, kind, start, end, working_time, employer in rows:
        yield [ref, kind, _date(start), _date(end), working_time, employer]


def workshop_rows() -> Iterator[list]:
    rows = (
        Workshop.objects.order_by("date", "venue__name", "start_time", "pk")
        .values_list(
            "venue__name",
            "date",
            "start_time",
            "end_time",
            "theme__code",
            "capacity",
            "facilitator__username",
            "facilitator_name",
            "status",
            "cancel_reason",
        )
        .iterator(chunk_size=CHUNK)
    )
    for venue, date, start, end, theme, capacity, facilitator, name, status, reason in rows:
        yield [
            venue,
            _date(date),
            _time(start),
            _time(end),
            theme,
            capacity,
            facilitator or "",
            name,
            status,
            reason,
        ]


def registration_rows() -> Iterator[list]:
    """By workshop: those with a place by reference, then the waiting list in its order."""
    waiting_rank = Case(When(status=RegistrationStatus.WAITING, then=F("pk")), default=Value(0))
    rows = (
        WorkshopRegistration.objects.order_by(
            "workshop__date",
            "workshop__venue__name",
            "workshop__start_time",
            "status",
            waiting_rank,
            "beneficiary__ref",
            "pk",
        )
        .values_list(
            "beneficiary__ref",
            "workshop__date",
            "workshop__venue__name",
            "workshop__start_time",
            "status",
            "attendance",
        )
        .iterator(chunk_size=CHUNK)
    )
    for ref, date, venue, start, status, attendance in rows:
        yield [ref, _date(date), venue, _time(start), status, attendance]


# Content -> (file name stem, import kind, rows), in the import's reading order.
FILES: dict[str, tuple[str, str, Callable[[], Iterator[list]]]] = {
    ExportContent.BENEFICIARIES: ("personnes", PERSONS, beneficiary_rows),
    ExportContent.SESSIONS: ("permanences", SESSIONS, session_rows),
    ExportContent.VISITS: ("rendez-vous", VISITS, visit_rows),
    ExportContent.REFERRALS: ("orientations", REFERRALS, referral_rows),
    ExportContent.OUTCOMES: ("sorties", OUTCOMES, outcome_rows),
    ExportContent.WORKSHOPS: ("ateliers", WORKSHOPS, workshop_rows),
    ExportContent.REGISTRATIONS: ("inscriptions-ateliers", REGISTRATIONS, registration_rows),
}


class _Counted:
    def __init__(self, rows: Iterator[list]):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def export_file(content: str, *, today: datetime.date, fmt: str = ExportFormat.CSV) -> ExportFile:
    """One file of the import format, or all of them in a zip (`ExportContent.ALL`)."""
    if content == ExportContent.ALL:
        buffer, total = io.BytesIO(), 0
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in FILES:
                file = export_file(part, today=today, fmt=fmt)
                archive.writestr(file.name, file.data)
                total += file.rows
        return ExportFile(
            f"export-nominatif-{today.isoformat()}.zip", buffer.getvalue(), "application/zip", total
        )
    stem, kind, rows = FILES[ExportContent(content)]
    counted = _Counted(rows())
    header = list(EXPORT_COLUMNS[kind])
    if fmt == ExportFormat.XLSX:
        data = xlsx_bytes([WorkbookSheet(title=stem, rows=[header, *counted])])
        return ExportFile(f"{stem}-{today.isoformat()}.xlsx", data, XLSX_TYPE, counted.count)
    data = write_csv(header, iter(counted))
    return ExportFile(f"{stem}-{today.isoformat()}.csv", data, "text/csv; charset=utf-8", counted.count)

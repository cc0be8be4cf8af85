"""On the demonstration data: the round trip seed_demo -> nominative export ->
empty database (same territory, topics and accounts) -> import -> export gives
the same files, byte for byte, and the same bilans; the export is recorded;
the demo's duplicate is found, and merging it changes only the bilan of the
year where both files were counted."""

import io
import zipfile

import pytest

from beneficiaries.data_services import beneficiary_merge, nominative_export
from beneficiaries.duplicates import duplicate_pairs
from beneficiaries.enums import ExportContent
from beneficiaries.models import (
    Appointment,
    Beneficiary,
    NominativeExport,
    Outcome,
    Referral,
    Visit,
    Workshop,
    WorkshopRegistration,
)
from demo.builder import FIRST_YEAR
from permanences.enums import PermanenceStatus
from permanences.models import Permanence
from reporting.bilan import compute_bilan

from ..sheets import read_sheet
from .files import export_all, import_all

pytestmark = pytest.mark.django_db


def bilans(today) -> dict[int, dict]:
    """Every year's bilan but its follow-ups (follow-up appointments are not exported: docs/IMPORT.md)."""
    return {
        year: {key: value for key, value in compute_bilan(year).as_dict().items() if key != "follow_ups"}
        for year in range(FIRST_YEAR, today.year + 1)
    }


def empty_case_files(*, permanences: bool = False) -> None:
    Appointment.objects.all().delete()
    WorkshopRegistration.objects.all().delete()
    Workshop.objects.all().delete()
    Referral.objects.all().delete()
    Visit.topics.through.objects.all().delete()
    Visit.objects.all().delete()
    Outcome.objects.all().delete()
    Beneficiary.objects.all().delete()
    if permanences:
        Permanence.objects.all().delete()


@pytest.fixture
def demo(demo_db):
    return demo_db


def test_export_then_import_into_an_empty_database_gives_the_same_files_and_bilans(demo, today):
    before = bilans(today)
    assert before[2020]["persons"] == 201  # the demo's reference year is there
    consenting = Beneficiary.objects.filter(sms_consent_at__isnull=False)
    assert consenting.exists() and Appointment.objects.exists()
    files = export_all(today)
    slots = sorted(Permanence.objects.values_list("venue", "date", "start_time", "slot"))
    assert Permanence.objects.exclude(status=PermanenceStatus.HELD).exists()  # planned, cancelled
    assert Permanence.objects.held().exclude(visits__isnull=False).exists()  # held, nobody came
    empty_case_files(permanences=True)
    assert not Visit.objects.exists() and not Permanence.objects.exists()
    plan = import_all(files)
    assert plan.ok, plan.problems[:5]
    assert not plan.likely_duplicates  # an empty database: nobody to look like
    # Each session is linked again to the weekly slot that opens at its time.
    assert sorted(Permanence.objects.values_list("venue", "date", "start_time", "slot")) == slots
    after = bilans(today)
    # Not exported, as the data page and docs/IMPORT.md say: follow-up appointments, consents.
    assert not Appointment.objects.exists() and not consenting.exists()
    for year in before:
        for key in before[year]:
            assert after[year][key] == before[year][key], (year, key, after[year][key], before[year][key])
    assert after == before
    # Lossless: exporting again gives the same bytes, file by file.
    again = export_all(today)
    for kind in files:
        assert again[kind] == files[kind], kind
    # And importing the same files again changes nothing.
    assert not import_all(files).has_changes


def test_the_xlsx_export_carries_the_same_rows(demo, today):
    csv_files = export_all(today)
    xlsx_files = export_all(today, fmt="xlsx")
    for kind in csv_files:
        csv_sheet, xlsx_sheet = read_sheet(csv_files[kind]), read_sheet(xlsx_files[kind])
        assert xlsx_sheet.format == "XLSX" and xlsx_sheet.header == csv_sheet.header
        assert [[str(cell) for cell in row] for _, row in xlsx_sheet.rows] == [
            row for _, row in csv_sheet.rows
        ]
    empty_case_files(permanences=True)
    assert import_all(xlsx_files, fmt="xlsx").ok
    assert export_all(today) == csv_files


def test_an_export_is_in_the_import_format_and_recorded(demo, coordinator, today):
    file = nominative_export(content=ExportContent.VISITS, user=coordinator)
    assert file.name == f"rendez-vous-{today.isoformat()}.csv"
    assert file.data.startswith(b"\xef\xbb\xbf")
    sheet = read_sheet(file.data)
    assert sheet.header == [
        "ref",
        "date",
        "venue",
        "start_time",
        "kind",
        "counsellor",
        "duration_minutes",
        "topics",
        "notes",
        "next_step",
        "next_step_due",
        "next_step_done_on",
    ]
    assert file.rows == len(sheet.rows) == Visit.objects.count()
    record = NominativeExport.objects.get()
    assert (record.exported_by, record.content, record.rows) == (coordinator, ExportContent.VISITS, file.rows)
    # Who, what, when: nothing about a person.
    assert {f.name for f in NominativeExport._meta.concrete_fields} == {
        "id",
        "exported_by",
        "exported_at",
        "content",
        "rows",
    }


def test_the_zip_holds_the_seven_files(demo, coordinator, today):
    file = nominative_export(content=ExportContent.ALL, user=coordinator)
    names = zipfile.ZipFile(io.BytesIO(file.data)).namelist()
    stems = (
        "personnes",
        "permanences",
        "rendez-vous",
        "orientations",
        "sorties",
        "ateliers",
        "inscriptions-ateliers",
    )
    assert names == [f"{stem}-{today.isoformat()}.csv" for stem in stems]
    counts = (Beneficiary, Permanence, Visit, Referral, Outcome, Workshop, WorkshopRegistration)
    assert file.rows == sum(model.objects.count() for model in counts)
    xlsx = nominative_export(content=ExportContent.ALL, user=coordinator, fmt="xlsx")
    names = zipfile.ZipFile(io.BytesIO(xlsx.data)).namelist()
    assert names == [f"{stem}-{today.isoformat()}.xlsx" for stem in stems]


def test_merging_the_demo_duplicate_changes_only_the_year_it_was_counted_twice(demo, coordinator, today):
    [twins] = [pair for pair in duplicate_pairs() if pair.same_names and pair.same_birth_date]
    kept, removed = Beneficiary.objects.get(pk=twins.first_id), Beneficiary.objects.get(pk=twins.second_id)
    counted_in = {
        year
        for year in range(FIRST_YEAR, today.year + 1)
        if kept.visits.filter(date__year=year).exists() and removed.visits.filter(date__year=year).exists()
    }
    assert counted_in == {today.year}
    shared_sessions = kept.visits.filter(permanence__in=removed.visits.values("permanence")).count()
    before = bilans(today)

    beneficiary_merge(kept=kept, removed=removed, user=coordinator)

    after = bilans(today)
    for year in before:
        if year not in counted_in:
            assert after[year] == before[year], year
    this_year, was = after[today.year], before[today.year]
    assert this_year["persons"] == was["persons"] - 1
    assert this_year["women"] == was["women"] - 1  # both files are a woman's
    assert this_year["new_persons"] == was["new_persons"] - 1  # both first seen this year
    assert this_year["appointments"] == was["appointments"] - shared_sessions
    assert this_year["permanences_held"] == was["permanences_held"]

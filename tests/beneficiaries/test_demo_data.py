"""On the demonstration data: the round trip seed_demo -> nominative export ->
empty database -> import gives the same bilans; the export is recorded; the
demo's duplicate is found, and merging it changes only the bilan of the year
where both files were counted."""

import io
import zipfile

import pytest

from beneficiaries.data_services import beneficiary_merge, nominative_export
from beneficiaries.duplicates import duplicate_pairs
from beneficiaries.enums import ExportContent
from beneficiaries.models import Beneficiary, NominativeExport, Outcome, Referral, Visit
from core.spreadsheets import read_sheet
from demo.builder import FIRST_YEAR
from permanences.models import Permanence
from reporting.bilan import compute_bilan

from .files import export_all, import_all

pytestmark = pytest.mark.django_db


def bilans(today) -> dict[int, dict]:
    return {year: compute_bilan(year).as_dict() for year in range(FIRST_YEAR, today.year + 1)}


def empty_case_files(*, permanences: bool = False) -> None:
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


def test_export_then_import_into_an_empty_database_gives_the_same_bilans(demo, today):
    before = bilans(today)
    assert before[2020]["persons"] == 201  # the demo's reference year is there
    files = export_all(today)
    empty_case_files()
    assert not Visit.objects.exists()
    plan = import_all(files)
    assert plan.ok, plan.problems[:5]
    after = bilans(today)
    for year in before:
        for key in before[year]:
            assert after[year][key] == before[year][key], (year, key, after[year][key], before[year][key])
    assert after == before
    # Lossless for what the format carries: exporting again gives the same bytes.
    assert export_all(today) == files


def test_without_the_sessions_only_the_held_sessions_without_visits_are_lost(demo, today):
    before = bilans(today)
    files = export_all(today)
    empty_case_files(permanences=True)
    assert import_all(files).ok
    after = bilans(today)

    def without_sessions(figures):
        """The figures, without any count of held sessions (in the total or by venue and month)."""
        if isinstance(figures, dict):
            return {k: without_sessions(v) for k, v in figures.items() if k != "permanences_held"}
        if isinstance(figures, list):
            return [without_sessions(v) for v in figures]
        return figures

    for year in before:
        assert without_sessions(after[year]) == without_sessions(before[year])
        sessions_with_visits = Visit.objects.filter(date__year=year).values("permanence").distinct().count()
        assert after[year]["permanences_held"] == sessions_with_visits <= before[year]["permanences_held"]


def test_an_export_is_in_the_import_format_and_recorded(demo, coordinator, today):
    file = nominative_export(content=ExportContent.VISITS, user=coordinator)
    assert file.name == f"rendez-vous-{today.isoformat()}.csv"
    assert file.data.startswith(b"\xef\xbb\xbf")
    sheet = read_sheet(file.data)
    assert sheet.header == ["ref", "date", "venue", "kind", "topics", "referral", "notes"]
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


def test_the_zip_holds_the_three_files(demo, coordinator, today):
    file = nominative_export(content=ExportContent.ALL, user=coordinator)
    names = zipfile.ZipFile(io.BytesIO(file.data)).namelist()
    assert names == [f"{stem}-{today.isoformat()}.csv" for stem in ("personnes", "rendez-vous", "sorties")]
    assert file.rows == Beneficiary.objects.count() + Visit.objects.count() + Outcome.objects.count()


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

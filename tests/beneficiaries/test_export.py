"""Nominative export: the import format, formulas neutralised, recorded; and
the round trip seed_demo -> export -> empty database -> import -> same bilans."""

import io
import zipfile

import pytest

from beneficiaries.enums import ExportContent
from beneficiaries.models import Beneficiary, NominativeExport, Outcome, Referral, Visit
from beneficiaries.services import nominative_export
from beneficiaries.spreadsheets import read_sheet
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
    assert bilans(today) == before
    # Lossless for what the format carries: exporting again gives the same bytes.
    assert export_all(today) == files


def test_without_the_sessions_only_the_held_sessions_without_visits_are_lost(demo, today):
    before = bilans(today)
    files = export_all(today)
    empty_case_files(permanences=True)
    assert import_all(files).ok
    after = bilans(today)
    for year in before:
        assert {**after[year], "permanences_held": None} == {**before[year], "permanences_held": None}
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

"""The import benchmark runs end to end on a tiny size and leaves the database as it was."""

import pytest

from beneficiaries.models import Beneficiary, Visit

from ..sheets import read_sheet
from .conftest import bench_json, bench_text

pytestmark = pytest.mark.django_db


def test_the_benchmark_imports_twice_then_rolls_back(tmp_path):
    figures = bench_json("bench_import", "--visits", "60", "--dir", str(tmp_path))

    assert figures["visits"] == 60
    # A person every five visits, an outcome for one person in seven.
    assert figures["files"] == {"beneficiaries": 12, "visits": 60, "outcomes": 2}
    assert figures["generation_ms"] > 0
    first, second = figures["imports"]
    assert (first["attempt"], second["attempt"]) == ("first", "second")
    assert (first["visits_created"], first["visits_unchanged"]) == (60, 0)
    assert (second["visits_created"], second["visits_unchanged"]) == (0, 60)
    for attempt in (first, second):
        assert (attempt["persons"], attempt["outcomes"]) == (12, 2)
        assert attempt["ms"] > 0
    assert (figures["kept"], figures["rolled_back"]) == (False, True)
    assert not Beneficiary.objects.exists() and not Visit.objects.exists()
    assert len(read_sheet((tmp_path / "visits.csv").read_bytes()).rows) == 60


def test_it_keeps_the_imported_data_when_asked():
    lines = bench_text("bench_import", "--visits", "20", "--keep")
    # Generation, then the two imports; no line about a rollback.
    assert len(lines) == 3 and not lines[0].startswith("{")
    assert Beneficiary.objects.count() == 4
    assert Visit.objects.count() == 20

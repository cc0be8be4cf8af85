"""The bilan's benchmark on a tiny dataset: it generates, measures and cleans up.

The real run (a million visits) is by hand: see docs/BENCHMARKS.md.
"""

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from permanences.models import Permanence
from reporting.models import Attendance

from .conftest import assert_timing, bench_json, bench_text

pytestmark = pytest.mark.django_db


def test_it_measures_the_bilan_against_a_hand_written_query_and_cleans_up():
    first_year = timezone.localdate().year - 3
    figures = bench_json(
        "bench_bilan", *f"--persons 300 --visits 2000 --years 3 --runs 1 --year {first_year}".split()
    )

    size = figures["size"]
    assert (size["persons"], size["visits"], size["last_year"] - size["first_year"]) == (300, 2000, 2)
    generated = figures["generated"]
    assert (generated["persons"], generated["visits"]) == (300, 2000)
    assert generated["permanences"] > 0
    # One visit in three has a referral, one in sixty an outcome.
    assert generated["referrals"] in (666, 667)
    assert generated["outcomes"] in (33, 34)
    assert figures["generation_ms"] > 0
    assert size["first_year"] == figures["year"] == first_year
    # Visits fill the sessions in date order: 2 000 of them, all in the first year.
    assert figures["year_visits"] == 2000
    assert 0 < figures["year_persons"] <= 300
    assert figures["postgresql"] >= 15
    assert figures["bilan_queries"] == 8
    assert figures["runs"] == 1
    assert_timing(figures["bilan"], count=1)
    assert_timing(figures["reference"], count=1)
    assert figures["ratio"] == pytest.approx(
        figures["bilan"]["median_ms"] / figures["reference"]["median_ms"]
    )
    assert figures["target_ratio"] == 3
    assert figures["kept"] is False
    for model in (Beneficiary, Visit, Permanence, Outcome, Referral, Attendance):
        assert not model.objects.exists(), model


def test_it_keeps_the_data_when_asked_and_reports_in_french_text():
    lines = bench_text(
        "bench_bilan", "--persons", "50", "--visits", "400", "--years", "2", "--runs", "1", "--keep"
    )
    assert len(lines) == 5 and not lines[0].startswith("{")
    assert Beneficiary.objects.count() == 50
    assert Visit.objects.count() == 400


def test_it_refuses_implausible_sizes_before_writing_anything():
    with pytest.raises(CommandError, match="Tailles invraisemblables"):
        bench_json("bench_bilan", "--persons", "50", "--visits", "10")
    assert not Permanence.objects.exists()

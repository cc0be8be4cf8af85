"""The search benchmark on a tiny size: every kind of search, timed through the real view."""

import pytest
from django.core.management.base import CommandError

from beneficiaries.models import Beneficiary, Visit

from .conftest import assert_timing, bench_json, bench_text

pytestmark = pytest.mark.django_db

KINDS = ["exact_name", "typo_no_accent", "phone", "birth_date", "ref"]


def test_it_times_the_searches_asked_shared_among_the_kinds():
    figures = bench_json("bench_search", "--persons", "50", "--searches", "12")

    assert (figures["persons"], figures["generated"]) == (50, True)
    assert figures["generation_ms"] > 0
    # One to three visits a person.
    assert 50 <= figures["visits"] <= 150
    assert figures["visits"] == Visit.objects.count()
    assert figures["searches"] == 12
    assert list(figures["kinds"]) == KINDS
    for kind, count in zip(KINDS, [3, 3, 2, 2, 2], strict=True):
        assert_timing(figures["kinds"][kind], count=count)
    assert_timing(figures["overall"], count=12)


def test_it_reports_in_french_text():
    lines = bench_text("bench_search", "--persons", "20", "--searches", "10")
    # Generation, stored rows, a heading, a line per kind, the overall median.
    assert len(lines) == 9 and not lines[0].startswith("{")
    assert Beneficiary.objects.count() == 20


def test_it_asks_for_two_searches_of_each_kind_before_generating():
    with pytest.raises(CommandError, match="10 recherches"):
        bench_json("bench_search", "--persons", "50", "--searches", "9")
    assert not Beneficiary.objects.exists()


def test_it_measures_again_on_the_data_of_a_previous_run_with_reuse():
    first = bench_json("bench_search", "--persons", "30", "--searches", "10")
    again = bench_json("bench_search", "--persons", "999", "--searches", "10", "--reuse")

    assert (again["generated"], again["generation_ms"]) == (False, None)
    # Nothing generated: the same persons and visits, whatever --persons says.
    assert (
        (again["persons"], again["visits"])
        == (first["persons"], first["visits"])
        == (
            30,
            Visit.objects.count(),
        )
    )
    assert Beneficiary.objects.count() == 30
    assert_timing(again["overall"], count=10)

"""What the benchmarks share: they refuse, before writing anything, a database that holds case
files (and, for the bilan's, sessions)."""

import datetime

import pytest
from django.core.management.base import CommandError

from beneficiaries.models import Beneficiary
from permanences.models import Permanence

from ..factories import make_permanence, make_person
from .conftest import bench_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "command,args",
    [
        ("bench_bilan", ["--persons", "50", "--visits", "400"]),
        ("bench_search", ["--persons", "50", "--searches", "10"]),
    ],
)
def test_it_refuses_a_database_with_case_files(command, args):
    make_person()
    with pytest.raises(CommandError, match="La base contient déjà des dossiers"):
        bench_json(command, *args)
    assert Beneficiary.objects.count() == 1
    assert not Permanence.objects.exists()


def test_the_bilan_benchmark_also_refuses_a_database_with_sessions_only(venue):
    make_permanence(venue, datetime.date(2024, 3, 4))
    with pytest.raises(CommandError, match="La base contient déjà des dossiers ou des permanences"):
        bench_json("bench_bilan", "--persons", "50", "--visits", "400")
    assert Permanence.objects.count() == 1
    assert not Beneficiary.objects.exists()

"""What the benchmarks share: they refuse, before writing anything, a database that holds case files."""

import pytest
from django.core.management.base import CommandError

from beneficiaries.models import Beneficiary
from permanences.models import Permanence

from ..factories import make_person
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

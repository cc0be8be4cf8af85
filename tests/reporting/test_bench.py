"""The benchmark command, on a tiny dataset: it generates, measures and cleans up.

The real run (a million visits) is by hand: see docs/BENCHMARKS.md.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beneficiaries.models import Beneficiary, Visit
from permanences.models import Permanence

from ..conftest import make_person

pytestmark = pytest.mark.django_db


def bench(*args) -> str:
    out = io.StringIO()
    call_command("bench_bilan", *args, stdout=out)
    return out.getvalue()


def test_it_measures_the_bilan_against_a_hand_written_query_and_cleans_up():
    out = bench("--persons", "300", "--visits", "2000", "--years", "3", "--runs", "1")
    assert "300 personnes" in out and "2\u202f000 rendez-vous" in out
    assert "Bilan complet (6 requêtes) :" in out
    assert "Requête de référence (COUNT, COUNT DISTINCT) :" in out
    assert "Rapport :" in out
    assert not Beneficiary.objects.exists() and not Visit.objects.exists() and not Permanence.objects.exists()


def test_it_keeps_the_data_when_asked():
    bench("--persons", "50", "--visits", "400", "--years", "2", "--runs", "1", "--keep")
    assert Beneficiary.objects.count() == 50
    assert Visit.objects.count() == 400


def test_it_refuses_a_database_with_case_files():
    make_person()
    with pytest.raises(CommandError, match="La base contient déjà des dossiers"):
        bench("--persons", "50", "--visits", "400")
    assert Beneficiary.objects.count() == 1

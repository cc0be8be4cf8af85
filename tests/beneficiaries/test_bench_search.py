import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_search_benchmark_runs_and_prints_its_figures():
    out = io.StringIO()
    call_command("bench_search", persons=50, searches=10, stdout=out)
    text = out.getvalue()
    assert "50 personnes générées" in text
    assert "Médiane globale" in text and "téléphone" in text

"""The import benchmark runs end to end on a tiny size and leaves the database as it was."""

import io

import pytest
from django.core.management import call_command

from beneficiaries.models import Beneficiary, Visit
from core.spreadsheets import read_sheet

pytestmark = pytest.mark.django_db


def test_the_benchmark_imports_twice_then_rolls_back(tmp_path):
    out = io.StringIO()
    call_command("bench_import", visits=60, dir=str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "premier import : 60 rendez-vous, 12 personnes" in text
    assert "(60 rendez-vous créés, 0 inchangés)" in text
    assert "second import (rien ne change)" in text and "(0 rendez-vous créés, 60 inchangés)" in text
    assert "Transaction annulée" in text
    assert not Beneficiary.objects.exists() and not Visit.objects.exists()
    assert len(read_sheet((tmp_path / "visits.csv").read_bytes()).rows) == 60

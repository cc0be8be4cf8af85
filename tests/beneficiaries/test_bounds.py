"""The forms and the importer accept and refuse the same dates, in the same words
(`beneficiaries.bounds`): birth dates of persons aged 14 to 100 today, outcomes
starting from 1990 and within a year."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries.forms import BeneficiaryForm, OutcomeForm

from .files import outcome, person, run_import

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def freeze(monkeypatch):
    """Make `timezone.localdate()` (today in Paris) return a chosen day."""
    real = timezone.localdate

    def set_today(day: datetime.date) -> None:
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_today


def form_problem(form, field: str) -> str | None:
    form.is_valid()
    errors = form.errors.get(field)
    return errors[0] if errors else None


def import_problem(column: str, **files) -> str | None:
    problems = [p.message for p in run_import(dry_run=True, **files).problems if p.column == column]
    return problems[0] if problems else None


def french(iso: str) -> str:
    return f"{D(iso):%d/%m/%Y}"


BIRTH_DATES = [
    # today, birth date, accepted
    ("2026-06-15", "2012-06-15", True),  # 14th birthday today
    ("2026-06-15", "2012-06-16", False),  # 14 tomorrow (the old form's days // 365 said 14)
    ("2026-06-15", "1926-06-16", True),  # 100 until tomorrow
    ("2026-06-15", "1925-06-15", False),  # 101st birthday today
    ("2026-06-15", "2026-06-16", False),  # in the future
    ("2026-06-15", "1850-01-01", False),  # before 1900
    # Born on 29 February: a birthday on 1 March in other years.
    ("2026-02-28", "2012-02-29", False),
    ("2026-03-01", "2012-02-29", True),
    ("2025-02-28", "1924-02-29", True),
    ("2025-03-01", "1924-02-29", False),
    # Today is 29 February.
    ("2024-02-29", "2010-02-28", True),
    ("2024-02-29", "2010-03-01", False),
]


@pytest.mark.parametrize(("today", "birth_date", "accepted"), BIRTH_DATES)
def test_the_form_and_the_importer_agree_on_birth_dates(freeze, today, birth_date, accepted):
    freeze(D(today))
    text = "/".join(reversed(birth_date.split("-")))
    data = {"last_name": "Martin", "first_name": "Élodie", "sex": "F", "birth_date": text}
    in_form = form_problem(BeneficiaryForm(data=data), "birth_date")
    in_import = import_problem("birth_date", beneficiaries=[person(birth_date=text)])
    assert (in_form is None, in_import is None) == (accepted, accepted)
    if not accepted:
        assert in_form == in_import
        assert in_form.startswith("Date de naissance ")
        assert french(birth_date) in in_form


OUTCOME_STARTS = [
    ("1989-12-31", False),
    ("1990-01-01", True),
    ("2024-02-29", True),
    ("2027-06-16", True),  # today + 366 days
    ("2027-06-17", False),
]


@pytest.mark.parametrize(("start", "accepted"), OUTCOME_STARTS)
@pytest.mark.parametrize("written", ["french", "iso"])
def test_the_form_and_the_importer_agree_on_outcome_starts(freeze, start, accepted, written):
    freeze(D("2026-06-15"))
    text = french(start) if written == "french" else start
    form = OutcomeForm(data={"kind": "cdi", "start_date": text, "working_time": "temps_plein"})
    in_form = form_problem(form, "start_date")
    in_import = import_problem(
        "start_date", beneficiaries=[person()], outcomes=[outcome(type="cdi", start_date=text)]
    )
    assert (in_form is None, in_import is None) == (accepted, accepted)
    if not accepted:
        assert in_form == in_import
        assert in_form.startswith(f"Date de début invraisemblable ({french(start)})")


def test_an_impossible_29_february_is_refused_by_both(freeze):
    freeze(D("2026-06-15"))
    data = {"last_name": "Martin", "first_name": "Élodie", "sex": "F", "birth_date": "29/02/2010"}
    assert form_problem(BeneficiaryForm(data=data), "birth_date").startswith("Date invalide")
    files = {"beneficiaries": [person(birth_date="29/02/2010")]}
    assert import_problem("birth_date", **files) == "Date impossible « 29/02/2010 »."
    form = OutcomeForm(data={"kind": "cdi", "start_date": "29/02/2023", "working_time": "temps_plein"})
    assert form_problem(form, "start_date") == "Date invalide : saisissez-la sous la forme jj/mm/aaaa."
    files = {"beneficiaries": [person()], "outcomes": [outcome(type="cdi", start_date="29/02/2023")]}
    assert import_problem("start_date", **files) == "Date impossible « 29/02/2023 »."


def test_an_end_before_the_start_is_refused_in_the_same_words(freeze):
    freeze(D("2026-06-15"))
    data = {
        "kind": "cdd",
        "start_date": "01/02/2024",
        "end_date": "31/01/2024",
        "working_time": "temps_plein",
    }
    files = {
        "beneficiaries": [person()],
        "outcomes": [outcome(start_date="2024-02-01", end_date="2024-01-31")],
    }
    in_form = form_problem(OutcomeForm(data=data), "end_date")
    assert in_form == import_problem("end_date", **files)
    assert in_form.startswith("La date de fin (31/01/2024) précède la date de début (01/02/2024)")

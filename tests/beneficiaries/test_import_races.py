"""Two imports at the same moment: the database lock (`activity_import`) makes the
second wait for the first and then find its rows, so nothing is created twice."""

import contextlib
import threading

import pytest

from beneficiaries import data_services
from beneficiaries.models import Beneficiary

from ..permanences.test_races import in_threads
from .files import csv_bytes, run_import

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["last_name", "first_name", "birth_date"]


def test_two_imports_of_the_same_persons_at_once_create_them_once(monkeypatch):
    data = csv_bytes(HEADER, [[f"Nom{n}", "Prénom", f"1990-01-{n + 1:02d}"] for n in range(5)])
    plan_import = data_services.plan_import
    together = threading.Barrier(2)

    def plan_waiting_for_the_other(*args, **kwargs):
        # Without the lock both would meet here, each planning to create the five persons;
        # with it, the first waits in vain (one second) and writes before the second plans.
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(timeout=1)
        return plan_import(*args, **kwargs)

    monkeypatch.setattr(data_services, "plan_import", plan_waiting_for_the_other)
    plans = in_threads(2, lambda _: run_import(beneficiaries=data))
    assert all(plan.ok for plan in plans), plans
    assert sorted(plan.persons.created for plan in plans) == [0, 5]
    assert Beneficiary.objects.count() == 5

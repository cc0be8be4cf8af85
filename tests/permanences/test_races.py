"""Requests at the same moment on the same session: one result, a French
message for the others, never a 500 nor an impossible state."""

import datetime
import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Visit
from beneficiaries.services import BeneficiaryError, visit_record
from permanences.enums import PermanenceStatus
from permanences.models import Permanence
from permanences.services import PermanenceError, permanence_cancel

from ..factories import make_permanence, make_person

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(count: int, work) -> list:
    """Run `work(n)` in `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(number):
        try:
            barrier.wait()
            results[number] = work(number)
        except Exception as error:
            results[number] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_ten_simultaneous_openings_of_one_ad_hoc_session_make_one(reference_data, counsellor, venue):
    form = {"venue": venue.pk, "start_time": "14:00", "end_time": "16:30"}

    def open_session(number):
        client = Client()
        client.force_login(counsellor)
        response = client.post(reverse("permanences:today"), {**form, "token": str(uuid.uuid4())})
        return response.status_code, response.content.decode()

    results = in_threads(10, open_session)
    statuses = sorted(status for status, _ in results)
    assert Permanence.objects.count() == 1
    assert statuses == [302] + [400] * 9
    refused = [html for status, html in results if status == 400]
    assert all("commence déjà à cette heure" in html for html in refused)


def test_cancelling_while_a_visit_is_being_logged_waits_and_is_refused(
    reference_data, counsellor, venue, monkeypatch
):
    today = datetime.date.today()
    permanence = make_permanence(venue, today, status=PermanenceStatus.PLANNED)
    person = make_person()
    logging_started = threading.Event()
    create = Visit.objects.create

    def slow_create(**fields):
        # The visit is being written, its transaction not yet committed.
        logging_started.set()
        time.sleep(1)
        return create(**fields)

    monkeypatch.setattr(Visit.objects, "create", slow_create)

    def work(number):
        if number == 0:
            return visit_record(beneficiary=person, permanence=permanence, counsellor=counsellor, topics=[])
        logging_started.wait(10)
        return permanence_cancel(permanence=permanence, reason="Lieu fermé")

    visit, cancelled = in_threads(2, work)
    assert isinstance(visit, Visit)
    assert isinstance(cancelled, PermanenceError) and "ne peut pas être annulée" in str(cancelled)
    permanence.refresh_from_db()
    assert permanence.status == PermanenceStatus.HELD and permanence.visits.count() == 1


def test_logging_a_visit_in_a_session_just_cancelled_is_refused(reference_data, counsellor, venue):
    today = datetime.date.today()
    permanence = make_permanence(venue, today, status=PermanenceStatus.PLANNED)
    permanence_cancel(permanence=permanence, reason="Lieu fermé")
    with pytest.raises(BeneficiaryError, match="annulée"):
        visit_record(beneficiary=make_person(), permanence=permanence, counsellor=counsellor, topics=[])
    assert not Visit.objects.exists()
    assert connection.vendor == "postgresql"

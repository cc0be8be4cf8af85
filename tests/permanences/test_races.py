"""Requests at the same moment on the same session: one result, a French
message for the others, never a 500 nor an impossible state."""

import datetime
import re
import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Visit
from beneficiaries.services import BeneficiaryError, visit_record
from permanences import services
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, WeeklySlot
from permanences.services import (
    PermanenceError,
    PlanningResult,
    permanence_cancel,
    permanence_update,
    permanences_generate,
    session_state,
)

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


def test_cancelling_from_the_planning_while_a_visit_is_being_logged_is_refused_with_the_reason(
    reference_data, counsellor, coordinator, venue, monkeypatch
):
    """The planning's cancel form goes through the same lock as the desk's."""
    permanence = make_permanence(venue, datetime.date.today(), status=PermanenceStatus.PLANNED)
    person = make_person()
    client = Client()
    client.force_login(coordinator)
    url = reverse("permanences:planning_cancel", args=[permanence.pk])
    state = re.search(r'name="state" value="([^"]+)"', client.get(url).content.decode()).group(1)
    logging_started = threading.Event()
    create = Visit.objects.create

    def slow_create(**fields):
        logging_started.set()
        time.sleep(1)
        return create(**fields)

    monkeypatch.setattr(Visit.objects, "create", slow_create)

    def work(number):
        if number == 0:
            return visit_record(beneficiary=person, permanence=permanence, counsellor=counsellor, topics=[])
        logging_started.wait(10)
        response = client.post(url, {"state": state, "reason": "Lieu fermé"})
        return response.status_code, response.content.decode()

    visit, (status, html) = in_threads(2, work)
    assert isinstance(visit, Visit)
    assert status == 400 and "Des rendez-vous sont enregistrés dans cette permanence" in html
    permanence.refresh_from_db()
    assert permanence.status == PermanenceStatus.HELD and permanence.visits.count() == 1


def test_the_daily_planning_waits_for_a_change_by_hand_and_leaves_it(
    reference_data, coordinator, venue, monkeypatch
):
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    slot = WeeklySlot.objects.create(
        venue=venue,
        weekday=tomorrow.weekday(),
        start_time=datetime.time(9, 30),
        end_time=datetime.time(12, 30),
        valid_from=today,
    )
    horizon = {"start": today, "end": today + datetime.timedelta(weeks=2, days=-1)}
    permanences_generate(**horizon)
    session = Permanence.objects.get(date=tomorrow)
    state = session_state(session)
    slot.start_time = datetime.time(10, 0)
    slot.save()
    moving = threading.Event()
    validated = services._validated

    def slow_validated(permanence):
        # The session is locked and being moved, not yet committed.
        moving.set()
        time.sleep(1)
        validated(permanence)

    monkeypatch.setattr(services, "_validated", slow_validated)

    def work(number):
        if number == 0:
            return permanence_update(
                permanence=session,
                expected_state=state,
                day=tomorrow,
                start_time=datetime.time(14, 0),
                end_time=datetime.time(16, 0),
                counsellors=[coordinator],
            )
        moving.wait(10)
        return permanences_generate(**horizon)

    moved, planned = in_threads(2, work)
    assert isinstance(moved, Permanence) and isinstance(planned, PlanningResult)
    session.refresh_from_db()
    assert (session.start_time, session.end_time) == (datetime.time(14, 0), datetime.time(16, 0))
    assert list(session.counsellors.all()) == [coordinator]
    # The other week's session, untouched by hand, follows its slot.
    assert planned.updated == 1
    assert Permanence.objects.get(date=tomorrow + datetime.timedelta(weeks=1)).start_time == datetime.time(
        10, 0
    )

"""Registrations at the same moment for the last places: the workshop's row lock
makes them count the places one after the other, so the capacity holds."""

import datetime
import time

import pytest

from beneficiaries import workshop_services
from beneficiaries.enums import RegistrationStatus
from beneficiaries.workshop_services import registration_add

from ..factories import make_person, make_workshop
from ..permanences.test_races import in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_registrations_never_exceed_the_capacity(reference_data, counsellor, venue, monkeypatch):
    workshop = make_workshop(venue, datetime.date.today() + datetime.timedelta(days=3), capacity=3)
    persons = [make_person(f"Nom{n}", "Prénom") for n in range(8)]
    count = workshop_services._places_taken

    def slow_count(locked):
        # Counted, not yet written: without the lock, every request would see the same free places.
        taken = count(locked)
        time.sleep(0.2)
        return taken

    monkeypatch.setattr(workshop_services, "_places_taken", slow_count)
    results = in_threads(
        len(persons),
        lambda n: registration_add(workshop=workshop, beneficiary=persons[n], user=counsellor).status,
    )
    assert sorted(results) == [RegistrationStatus.REGISTERED] * 3 + [RegistrationStatus.WAITING] * 5
    assert workshop.registrations.with_place().count() == 3

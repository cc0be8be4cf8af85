"""A person who accepts SMS and e-mails, a coming session where she is expected, and
the SMS written to a file of the test's own."""

import datetime
import json

import pytest
from django.utils import timezone

from beneficiaries.consent import consent_record
from beneficiaries.models import Appointment
from permanences.enums import PermanenceStatus

from ..factories import make_permanence, make_person


@pytest.fixture(autouse=True)
def _messaging_settings(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.SMS_QUIET_HOURS = ""  # the tests of the quiet hours set them
    settings.SITE_URL = "https://permanences.example.org"
    settings.MESSAGE_RETRY_SECONDS = 60
    settings.MESSAGE_MAX_ATTEMPTS = 3


def sms_sent(settings) -> list[dict]:
    path = settings.SMS_FILE_PATH
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def consenting(last_name="Martin", first_name="Élodie", *, sms=True, email=True, **extra):
    extra.setdefault("phone", "06 00 00 12 34")
    extra.setdefault("email", f"{last_name.lower()}@example.org")
    person = make_person(last_name, first_name, **extra)
    for channel, given in (("sms", sms), ("email", email)):
        if given:
            consent_record(beneficiary_id=person.pk, channel=channel, given=True)
    person.refresh_from_db()
    return person


@pytest.fixture
def coord(client, coordinator):
    """The test client, logged in as coordination."""
    client.force_login(coordinator)
    return client


@pytest.fixture
def in_two_days():
    return timezone.localdate() + datetime.timedelta(days=2)


@pytest.fixture
def session(venue, in_two_days):
    venue.address, venue.postal_code, venue.city = "12 rue de Paris", "93100", "Montreuil"
    venue.save()
    return make_permanence(venue, in_two_days, status=PermanenceStatus.PLANNED)


def book(person, session, time="10:00"):
    return Appointment.objects.create(
        beneficiary=person, permanence=session, time=datetime.time.fromisoformat(time)
    )


def starts(appointment) -> datetime.datetime:
    return datetime.datetime.combine(
        appointment.permanence.date, appointment.time, tzinfo=timezone.get_current_timezone()
    )

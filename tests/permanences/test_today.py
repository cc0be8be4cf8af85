"""Ma permanence: today's sessions from the weekly slots, held, cancelled, or opened ad hoc."""

import datetime
import uuid

import pytest
from django.urls import reverse

from beneficiaries.models import Visit
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, WeeklySlot

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(venue, today, counsellor):
    slot = WeeklySlot.objects.create(
        venue=venue,
        weekday=today.weekday(),
        start_time=datetime.time(9, 30),
        end_time=datetime.time(12, 30),
        valid_from=today - datetime.timedelta(days=30),
    )
    slot.counsellors.add(counsellor)
    return slot


def test_todays_permanences_are_planned_from_the_weekly_slots(logged, slot, counsellor, today):
    response = logged.get(reverse("permanences:today"))
    permanence = Permanence.objects.get()
    assert (permanence.date, permanence.status, permanence.slot) == (today, PermanenceStatus.PLANNED, slot)
    assert response.context["mine"] == [permanence]
    assert reverse("beneficiaries:desk", args=[permanence.pk]) in response.content.decode()
    logged.get(reverse("permanences:today"))
    assert Permanence.objects.count() == 1  # idempotent


def test_a_slot_not_valid_today_plans_nothing(logged, slot, today):
    slot.valid_until = today - datetime.timedelta(days=1)
    slot.save()
    logged.get(reverse("permanences:today"))
    assert not Permanence.objects.exists()


def test_a_permanence_is_marked_held(logged, venue, today, counsellor):
    permanence = make_permanence(venue, today, status=PermanenceStatus.PLANNED)
    logged.post(reverse("permanences:hold", args=[permanence.pk]))
    permanence.refresh_from_db()
    assert permanence.status == PermanenceStatus.HELD and counsellor in permanence.counsellors.all()


def test_a_future_permanence_cannot_be_held(logged, venue, today):
    permanence = make_permanence(venue, today + datetime.timedelta(days=1), status=PermanenceStatus.PLANNED)
    logged.post(reverse("permanences:hold", args=[permanence.pk]))
    permanence.refresh_from_db()
    assert permanence.status == PermanenceStatus.PLANNED


def test_a_permanence_is_cancelled_with_a_reason(logged, venue, today):
    permanence = make_permanence(venue, today, status=PermanenceStatus.PLANNED)
    url = reverse("permanences:cancel", args=[permanence.pk])
    response = logged.post(url, {"reason": "   "})
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    logged.post(url, {"reason": "Lieu fermé"})
    permanence.refresh_from_db()
    assert (permanence.status, permanence.cancel_reason) == (PermanenceStatus.CANCELLED, "Lieu fermé")


def test_a_permanence_with_visits_cannot_be_cancelled(logged, venue, today):
    permanence = make_permanence(venue, today)
    make_visit(make_person(), permanence)
    response = logged.post(reverse("permanences:cancel", args=[permanence.pk]), {"reason": "Erreur"})
    assert "Des rendez-vous sont enregistrés" in response.content.decode()
    permanence.refresh_from_db()
    assert permanence.status == PermanenceStatus.HELD


def ad_hoc(venue, **extra):
    return {
        "venue": venue.pk,
        "start_time": "14:00",
        "end_time": "16:30",
        "token": str(uuid.uuid4()),
        **extra,
    }


def test_an_ad_hoc_permanence_is_opened_at_another_venue(logged, venue, counsellor, today):
    data = ad_hoc(venue)
    response = logged.post(reverse("permanences:today"), data)
    permanence = Permanence.objects.get()
    assert response.url == reverse("beneficiaries:desk", args=[permanence.pk])
    assert (permanence.date, permanence.status, permanence.slot) == (today, PermanenceStatus.HELD, None)
    assert list(permanence.counsellors.all()) == [counsellor]
    # Double click or back button: the same form again leads to the same session.
    assert logged.post(reverse("permanences:today"), data).url == response.url
    # Another form for the same venue and time: refused, said.
    again = logged.post(reverse("permanences:today"), ad_hoc(venue))
    assert again.status_code == 400 and "commence déjà à cette heure" in again.content.decode()
    assert Permanence.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"venue": "999999", "start_time": "14:00", "end_time": "16:00"}, "plus actif"),
        ({"venue": "", "start_time": "14:00", "end_time": "16:00"}, "obligatoire"),
        ({"start_time": "16:00", "end_time": "14:00"}, "après l'heure de début"),
        ({"start_time": "25:00", "end_time": "26:00"}, "Saisissez une heure valide"),
        # Digits of another script are not hours (strptime would read them).
        ({"start_time": "١٤:٠٠", "end_time": "16:00"}, "Saisissez une heure valide"),
        ({"start_time": "14:00", "end_time": "١٦:٠٠"}, "Saisissez une heure valide"),
        ({"venue": "ARABIC", "start_time": "14:00", "end_time": "16:00"}, "plus actif"),
    ],
)
def test_bad_ad_hoc_input_is_refused(logged, venue, data, message):
    if data.get("venue") == "ARABIC":  # the venue's own id, in Arabic-Indic digits
        data = {**data, "venue": str(venue.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))}
    response = logged.post(reverse("permanences:today"), {**ad_hoc(venue), **data})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Permanence.objects.exists() and not Visit.objects.exists()

"""Follow-up appointments: booked from the file or at the end of a visit, expected
first at the desk of their session, honoured by the visit logged there, missed
once the session has ended without it, cancelled; never a visit; refused with a
French message and nothing saved on bad input."""

import datetime
import re
import uuid

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaries.appointment_services import appointment_book, bookable_sessions
from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import AnonymisationReason, AppointmentState
from beneficiaries.models import Appointment, Beneficiary, Visit
from beneficiaries.services import BeneficiaryError, beneficiary_anonymise
from permanences.enums import PermanenceStatus

from ..factories import make_permanence, make_person, make_visit
from .files import page_text

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def person():
    return make_person("Martin", "Élodie", phone="06 11 22 33 44")


@pytest.fixture
def coming(venue, today):
    """A planned session next week, 14:00–17:00."""
    return make_permanence(
        venue, today + 7 * DAY, status=PermanenceStatus.PLANNED, start="14:00", end="17:00"
    )


def state_of(appointment) -> str:
    return Appointment.objects.with_state().get(pk=appointment.pk).state


def book(client, person, **data):
    fields = {"token": str(uuid.uuid4()), "permanence": "", "time": "", "purpose": "", **data}
    return client.post(reverse("beneficiaries:appointment_create", args=[person.pk]), fields)


def test_a_counsellor_books_from_the_file_and_the_file_shows_it(logged, person, coming):
    response = book(logged, person, permanence=coming.pk, time="14:30", purpose="Point sur la candidature")
    assert response.status_code == 302 and response.url == reverse("beneficiaries:detail", args=[person.pk])
    appointment = Appointment.objects.get()
    assert (appointment.permanence, appointment.time, appointment.purpose) == (
        coming,
        datetime.time(14, 30),
        "Point sur la candidature",
    )
    assert state_of(appointment) == AppointmentState.BOOKED
    text = page_text(logged.get(reverse("beneficiaries:detail", args=[person.pk])))
    assert "Rendez-vous de suivi" in text and "Centre social Grand Air, à 14h30" in text and "À venir" in text
    assert Visit.objects.count() == 0  # booked is never held


def test_the_same_form_sent_twice_books_once(logged, person, coming):
    token = str(uuid.uuid4())
    for _ in range(2):
        book(logged, person, token=token, permanence=coming.pk, time="15:00")
    assert Appointment.objects.count() == 1


def test_booking_at_the_end_of_a_visit_goes_with_the_visit(logged, person, venue, today, coming):
    session = make_permanence(venue, today, start="00:00", end="23:59")
    url = reverse("beneficiaries:visit_create", args=[person.pk, session.pk])
    form = logged.get(url).content.decode()
    assert "Prochain rendez-vous de suivi" in form
    assert (
        f'value="{session.pk}"' not in re.search(r'name="suivi-permanence".*?</select>', form, re.S).group()
    )
    data = {
        "token": str(uuid.uuid4()),
        "notes": "CV repris",
        "orientations-TOTAL_FORMS": "0",
        "orientations-INITIAL_FORMS": "0",
        "suivi-permanence": coming.pk,
        "suivi-time": "16:00",
        "suivi-purpose": "Lettre de motivation",
    }
    assert logged.post(url, data).status_code == 302
    assert Visit.objects.filter(beneficiary=person, permanence=session).exists()
    assert Appointment.objects.get().purpose == "Lettre de motivation"


def test_a_visit_whose_booking_is_wrong_saves_nothing(logged, person, venue, today, coming):
    session = make_permanence(venue, today, start="00:00", end="23:59")
    url = reverse("beneficiaries:visit_create", args=[person.pk, session.pk])
    data = {
        "token": str(uuid.uuid4()),
        "orientations-TOTAL_FORMS": "0",
        "orientations-INITIAL_FORMS": "0",
        "suivi-permanence": coming.pk,
        "suivi-time": "18:30",  # after the session
    }
    response = logged.post(url, data)
    assert response.status_code == 400
    assert "Choisissez une heure pendant la permanence, entre 14:00 et 17:00." in page_text(response)
    assert (Visit.objects.count(), Appointment.objects.count()) == (0, 0)
    # Left empty, nothing is booked and the visit is saved.
    data.update({"suivi-permanence": "", "suivi-time": ""})
    assert logged.post(url, data).status_code == 302
    assert (Visit.objects.count(), Appointment.objects.count()) == (1, 0)


def test_the_desk_lists_the_expected_first_and_their_visit_honours_the_appointment(
    logged, person, venue, today, django_assert_num_queries
):
    session = make_permanence(venue, today, status=PermanenceStatus.PLANNED, start="00:00", end="23:59")
    other = make_person("Diallo", "Moussa")
    late = Appointment.objects.create(beneficiary=person, permanence=session, time="15:00", purpose="CV")
    early = Appointment.objects.create(beneficiary=other, permanence=session, time="10:00")
    desk = reverse("beneficiaries:desk", args=[session.pk])
    with django_assert_num_queries(7):
        text = page_text(logged.get(desk))
    expected = text.index("Personnes attendues (2)")
    assert expected < text.index("Trouver ou créer le dossier")
    assert expected < text.index("10h00 — DIALLO Moussa") < text.index("15h00 — MARTIN Élodie")
    data = {"token": str(uuid.uuid4()), "orientations-TOTAL_FORMS": "0", "orientations-INITIAL_FORMS": "0"}
    visit_url = reverse("beneficiaries:visit_create", args=[person.pk, session.pk])
    assert visit_url in logged.get(desk).content.decode()
    assert logged.post(visit_url, data).status_code == 302
    assert state_of(late) == AppointmentState.HONOURED
    assert state_of(early) == AppointmentState.BOOKED
    assert "Honoré" in page_text(logged.get(desk))


def test_an_appointment_not_honoured_by_the_end_of_its_session_is_missed_and_to_call_back(
    logged, person, venue, today
):
    now = timezone.localtime()
    ended = make_permanence(venue, today - 3 * DAY)
    appointment = Appointment.objects.create(beneficiary=person, permanence=ended, time="10:00")
    assert state_of(appointment) == AppointmentState.MISSED
    # Today's session: booked until its end, missed after.
    session = make_permanence(venue, today, status=PermanenceStatus.PLANNED, start="00:00", end="23:59")
    later = Appointment.objects.create(
        beneficiary=make_person("Diallo", "Moussa"), permanence=session, time="12:00"
    )
    assert Appointment.objects.with_state(now=now).get(pk=later.pk).state == AppointmentState.BOOKED
    end_of_day = now.replace(hour=23, minute=59, second=30)
    assert Appointment.objects.with_state(now=end_of_day).get(pk=later.pk).state == AppointmentState.MISSED
    text = page_text(logged.get(reverse("beneficiaries:followups")))
    assert "Rendez-vous de suivi manqués, pas revues depuis (1)" in text and "MARTIN Élodie" in text
    assert "Manqué" in page_text(logged.get(reverse("beneficiaries:detail", args=[person.pk])))
    # Seen since: nobody to call back.
    make_visit(person, make_permanence(venue, today - DAY))
    assert "Rendez-vous de suivi manqués, pas revues depuis (0)" in page_text(
        logged.get(reverse("beneficiaries:followups"))
    )


def test_cancelled_by_the_counsellor_or_with_the_session(logged, person, coming, venue, today):
    appointment = Appointment.objects.create(beneficiary=person, permanence=coming, time="14:00")
    cancel = reverse("beneficiaries:appointment_cancel", args=[appointment.pk])
    assert logged.post(cancel).status_code == 302
    appointment.refresh_from_db()
    assert appointment.cancelled_at is not None and state_of(appointment) == AppointmentState.CANCELLED
    response = logged.post(cancel, follow=True)
    assert "ne peut plus être annulé : il est annulé" in page_text(response)
    # Once cancelled, the person can be booked there again.
    assert book(logged, person, permanence=coming.pk, time="14:00").status_code == 302
    again = Appointment.objects.get(cancelled_at__isnull=True)
    coming.status, coming.cancel_reason = PermanenceStatus.CANCELLED, "Travaux"
    coming.save()
    assert state_of(again) == AppointmentState.CANCELLED
    missed = Appointment.objects.create(
        beneficiary=person, permanence=make_permanence(venue, today - DAY), time="10:00"
    )
    response = logged.post(reverse("beneficiaries:appointment_cancel", args=[missed.pk]), follow=True)
    assert "ne peut plus être annulé : il est manqué" in page_text(response)
    assert Appointment.objects.get(pk=missed.pk).cancelled_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"permanence": "", "time": "14:30"}, "Choisissez la permanence du rendez-vous."),
        ({"permanence": "²", "time": "14:30"}, "Cette permanence n'est pas proposée"),
        ({"permanence": "999999", "time": "14:30"}, "Cette permanence n'est pas proposée"),
        ({"time": ""}, "Indiquez l'heure du rendez-vous."),
        ({"time": "25:99"}, "Heure invalide : saisissez-la sous la forme hh:mm."),
        ({"time": "１４:３０"}, "Heure invalide"),
        ({"time": "13:59"}, "entre 14:00 et 17:00"),
        ({"time": "17:00"}, "entre 14:00 et 17:00"),
        ({"time": "14:30", "purpose": "x" * 201}, "Assurez-vous que cette valeur comporte au plus 200"),
        ({"time": "14:30", "token": "pas-un-jeton"}, "Formulaire expiré"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_saved(logged, person, coming, data, message):
    response = book(logged, person, **{"permanence": coming.pk, **data})
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Appointment.objects.exists()


def test_a_past_or_cancelled_session_is_not_offered(logged, person, venue, today):
    past = make_permanence(venue, today - DAY)
    cancelled = make_permanence(venue, today + DAY, status=PermanenceStatus.CANCELLED)
    far = make_permanence(venue, today + datetime.timedelta(weeks=13), status=PermanenceStatus.PLANNED)
    for session in (past, cancelled, far):
        response = book(logged, person, permanence=session.pk, time="10:00")
        assert response.status_code == 400 and "n'est pas proposée" in page_text(response)
    assert "Aucune permanence à venir" in page_text(
        logged.get(reverse("beneficiaries:appointment_create", args=[person.pk]))
    )
    # The service refuses too (a session cancelled between the form and the save).
    with pytest.raises(BeneficiaryError, match="n'accepte plus de rendez-vous"):
        appointment_book(
            beneficiary=person, permanence=cancelled, time=datetime.time(10), purpose="", user=None
        )
    assert not Appointment.objects.exists()


def test_the_sessions_offered_are_read_from_today_not_from_all_the_past_years():
    """Past sessions are ended, and years of them are read for nothing: with the ten years of
    make bench-load, 50 ms to each visit form (docs/BENCHMARKS.md). A bound the date index serves."""
    sql = str(bookable_sessions().query)
    assert re.search(r'"permanences_permanence"\."date" >= \S+ AND "permanences_permanence"\."date" <= ', sql)


def test_the_booking_form_takes_a_constant_number_of_queries(
    logged, person, venue, today, django_assert_num_queries
):
    for days in range(1, 6):
        make_permanence(venue, today + days * DAY, status=PermanenceStatus.PLANNED)
    with django_assert_num_queries(8):
        response = logged.get(reverse("beneficiaries:appointment_create", args=[person.pk]))
    assert response.status_code == 200 and page_text(response).count("Centre social Grand Air") >= 5


def test_an_anonymised_file_takes_no_appointment(logged, person, coming):
    appointment = Appointment.objects.create(
        beneficiary=person, permanence=coming, time="14:00", purpose="CV"
    )
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    assert Appointment.objects.get().purpose == ""
    response = book(logged, person, permanence=coming.pk, time="15:00")
    assert response.status_code == 403 and "anonymisé" in page_text(response)
    cancel = logged.post(reverse("beneficiaries:appointment_cancel", args=[appointment.pk]))
    assert cancel.status_code == 403
    assert Appointment.objects.get().cancelled_at is None
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses too
        Appointment.objects.filter(pk=appointment.pk).update(purpose="Nom de la personne")


def test_a_merge_moves_the_appointments_and_keeps_one_per_session(person, coming, venue, today, coordinator):
    twin = make_person("Martin", "Elodie")
    other = make_permanence(venue, today + 8 * DAY, status=PermanenceStatus.PLANNED)
    Appointment.objects.create(beneficiary=person, permanence=coming, time="14:00")
    Appointment.objects.create(beneficiary=twin, permanence=coming, time="15:00")
    Appointment.objects.create(beneficiary=twin, permanence=other, time="10:00")
    beneficiary_merge(kept=person, removed=twin, user=coordinator)
    assert not Beneficiary.objects.filter(pk=twin.pk).exists()
    assert sorted(Appointment.objects.values_list("beneficiary", "permanence", "time")) == sorted(
        [(person.pk, coming.pk, datetime.time(14)), (person.pk, other.pk, datetime.time(10))]
    )

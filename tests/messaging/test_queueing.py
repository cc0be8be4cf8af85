"""Queuing: reminders (once per reason), cancellation notices to exactly the persons
booked, the counsellor's message, and anonymised or merged files."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaries.appointment_services import appointment_cancel
from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import AnonymisationReason, RegistrationStatus, WorkshopStatus
from beneficiaries.models import WorkshopRegistration, WorkshopTheme
from beneficiaries.services import beneficiary_anonymise
from beneficiaries.workshop_services import workshop_update
from messaging.enums import Channel, Kind, Status
from messaging.models import Message
from messaging.services import MessageError, message_queue_one_off, reminders_queue
from messaging.texts import day_text
from permanences.enums import PermanenceStatus
from permanences.models import PublicInfo, Venue
from permanences.models.public_info import PUBLIC_INFO_PK
from permanences.services import permanence_cancel

from ..factories import make_permanence, make_person, make_workshop
from .conftest import book, consenting, starts

pytestmark = pytest.mark.django_db


def test_a_reminder_per_channel_the_person_accepted_with_place_time_and_first_name_only(session):
    awa = consenting("Diallo", "Awa", rsa="oui", rqth="oui")
    appointment = book(awa, session)
    appointment.purpose = "Dossier RSA et RQTH"
    appointment.save()
    sms_only = consenting("Petit", "Jean", email=False)
    book(sms_only, session, "11:00")
    book(make_person("Sans", "Accord", phone="06 00 00 00 01"), session, "11:30")  # no consent: nothing

    assert reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3)) == 3

    sms, email = (Message.objects.get(beneficiary=awa, channel=c) for c in (Channel.SMS, Channel.EMAIL))
    assert sms.kind == Kind.APPOINTMENT_REMINDER and sms.status == Status.QUEUED
    assert sms.body.startswith("Bonjour Awa, rappel de votre rendez-vous emploi le ")
    assert "à 10h00" in sms.body and session.venue.name in sms.body and "12 rue de Paris" in sms.body
    assert "Pièce d'identité" in email.body or "pièce d'identité" in email.body
    assert "/messages/retrait/" in email.body and email.subject.startswith("Rappel")
    for message in Message.objects.all():
        # Nothing beyond first name, place and time: no last name, purpose, flags.
        text = message.subject + message.body
        assert "Diallo" not in text and "Petit" not in text and "RSA" not in text and "RQTH" not in text
    assert Message.objects.filter(beneficiary=sms_only).get().channel == Channel.SMS


@pytest.mark.parametrize(
    ("contact", "said"),
    [
        ("01 23 45 67 89, accueil@exemple.fr.", "prévenez-nous : 01 23 45 67 89, accueil@exemple.fr.\n"),
        # No contact in the public information: still a way to warn, in a sentence that reads well.
        ("", "prévenez-nous : passez à la permanence aux heures d'ouverture.\n"),
    ],
)
def test_a_reminder_email_says_how_to_warn_and_what_to_bring(session, contact, said):
    PublicInfo.objects.update_or_create(
        pk=PUBLIC_INFO_PK, defaults={"contact": contact, "what_to_bring": "Un justificatif\nVotre CV"}
    )
    appointment = book(consenting(), session)
    reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3))
    sms, email = (Message.objects.get(channel=c) for c in (Channel.SMS, Channel.EMAIL))
    assert said in email.body
    # The SMS stays short: the list of what to bring is the e-mail's.
    assert "un justificatif" in email.body and "justificatif" not in sms.body


def test_queuing_twice_gives_one_message_per_reason_and_a_moved_appointment_a_new_one(session, venue):
    awa = consenting(email=False)
    appointment = book(awa, session)
    now = starts(appointment) - datetime.timedelta(hours=3)
    assert reminders_queue(now=now) == 1
    assert reminders_queue(now=now) == 0
    assert reminders_queue(now=now + datetime.timedelta(minutes=15)) == 0
    # The session moved to another hour: a new reason, a new reminder.
    session.start_time = datetime.time(9)
    session.save()
    appointment.time = datetime.time(9, 30)
    appointment.save()
    assert reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3)) == 1
    assert Message.objects.count() == 2


def test_one_reason_gives_one_message_per_channel_as_the_admin_says(session):
    help_text = Message._meta.get_field("dedup_key").help_text
    assert help_text.endswith("le même motif ne donne jamais deux messages sur le même canal.")
    appointment = book(consenting(), session)
    now = starts(appointment) - datetime.timedelta(hours=3)
    assert reminders_queue(now=now) == 2 and reminders_queue(now=now) == 0
    assert sorted(Message.objects.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.SMS]


def test_reminders_only_within_the_lead_time(session, settings):
    settings.REMINDER_LEAD_HOURS = 24
    appointment = book(consenting(email=False), session)
    assert reminders_queue(now=starts(appointment) - datetime.timedelta(hours=25)) == 0
    assert reminders_queue(now=starts(appointment) - datetime.timedelta(hours=23)) == 1


def test_no_reminder_for_a_cancelled_appointment_or_session(session, counsellor):
    appointment = book(consenting(email=False), session)
    appointment_cancel(appointment=appointment, user=counsellor)
    other = book(
        consenting("Ba", "Moussa", email=False),
        make_permanence(
            session.venue, session.date, start="14:00", end="17:00", status=PermanenceStatus.CANCELLED
        ),
        "14:30",
    )
    assert reminders_queue(now=starts(other) - datetime.timedelta(hours=6)) == 0


def test_workshop_reminders_go_to_those_with_a_place(venue, in_two_days):
    workshop = make_workshop(venue, in_two_days, capacity=1)
    placed, waiting = consenting(email=False), consenting("Ba", "Moussa", email=False)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=placed)
    WorkshopRegistration.objects.create(
        workshop=workshop, beneficiary=waiting, status=RegistrationStatus.WAITING
    )
    start = datetime.datetime.combine(
        in_two_days, workshop.start_time, tzinfo=timezone.get_current_timezone()
    )
    assert reminders_queue(now=start - datetime.timedelta(hours=2)) == 1
    message = Message.objects.get()
    assert message.beneficiary == placed and message.kind == Kind.WORKSHOP_REMINDER
    assert "à 14h00" in message.body


def test_a_cancelled_session_tells_exactly_the_persons_booked_on_it(
    session, venue, django_capture_on_commit_callbacks
):
    booked = [consenting("Diallo", "Awa"), consenting("Ba", "Moussa", email=False)]
    for n, person in enumerate(booked):
        book(person, session, f"1{n}:00")
    cancelled_before = consenting("Petit", "Jean")
    appointment_cancel(appointment=book(cancelled_before, session, "11:30"), user=None)
    book(
        consenting("Autre", "Séance"),
        make_permanence(venue, session.date + datetime.timedelta(days=1), status=PermanenceStatus.PLANNED),
    )
    book(make_person("Sans", "Accord", phone="06 00 00 00 01"), session, "12:00")

    with django_capture_on_commit_callbacks(execute=False):
        permanence_cancel(permanence=session, reason="Fermeture exceptionnelle du centre social.")

    notices = Message.objects.filter(kind=Kind.SESSION_CANCELLED)
    assert sorted((m.beneficiary.first_name, m.channel) for m in notices) == [
        ("Awa", "email"),
        ("Awa", "sms"),
        ("Moussa", "sms"),
    ]
    sms = notices.get(channel=Channel.SMS, beneficiary=booked[1])
    assert "est annulée : Fermeture exceptionnelle du centre social." in sms.body
    # The next session at that venue: the next day's, with its hours.
    following = session.date + datetime.timedelta(days=1)
    assert sms.body.endswith(f"Prochaine permanence : {day_text(following)}, 9h30-12h30.")
    # Cancelling again (another path) queues nothing more.
    from messaging.services import permanence_cancellation_notify

    assert permanence_cancellation_notify(session) == 0


def cancelled(workshop) -> dict:
    """The workshop form's data cancelling `workshop`."""
    return {
        "theme": workshop.theme,
        "venue": workshop.venue,
        "date": workshop.date,
        "start_time": workshop.start_time,
        "end_time": workshop.end_time,
        "capacity": workshop.capacity,
        "status": WorkshopStatus.CANCELLED,
        "cancel_reason": "Intervenante malade",
    }


def test_a_cancelled_workshop_tells_those_with_a_place(venue, in_two_days, counsellor):
    workshop = make_workshop(venue, in_two_days, capacity=1)
    placed, waiting = consenting(email=False), consenting("Ba", "Moussa", email=False)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=placed)
    WorkshopRegistration.objects.create(
        workshop=workshop, beneficiary=waiting, status=RegistrationStatus.WAITING
    )
    data = cancelled(workshop)
    workshop_update(workshop=workshop, data=data, user=counsellor)
    message = Message.objects.get()
    assert message.beneficiary == placed and message.kind == Kind.WORKSHOP_CANCELLED
    assert "est annulé : Intervenante malade." in message.body
    assert message.body.endswith("Prochain atelier : pas encore annoncé.")
    workshop_update(workshop=workshop, data=data, user=counsellor)  # saved again: no second notice
    assert Message.objects.count() == 1


def test_a_cancelled_workshop_names_the_next_one_on_its_theme_at_its_venue(venue, in_two_days, counsellor):
    workshop = make_workshop(venue, in_two_days)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=consenting(email=False))
    day = datetime.timedelta(days=1)
    other_theme = WorkshopTheme.objects.create(code="autre_theme", label="Autre thème")
    other_venue = Venue.objects.create(name="Maison de quartier Lounès", quarter=venue.quarter)
    # Decoys, each sooner than the next one: before, cancelled, another theme, another venue.
    make_workshop(venue, in_two_days - day)
    make_workshop(venue, in_two_days + 2 * day, status=WorkshopStatus.CANCELLED, cancel_reason="Travaux")
    make_workshop(venue, in_two_days + 3 * day, theme=other_theme)
    make_workshop(other_venue, in_two_days + 4 * day)
    following = make_workshop(venue, in_two_days + 7 * day, start="09:30", end="11:30")
    make_workshop(venue, in_two_days + 14 * day)
    workshop_update(workshop=workshop, data=cancelled(workshop), user=counsellor)
    body = Message.objects.get().body
    assert body.rstrip(". ").endswith(f"{day_text(following.date)}, 9h30-11h30"), body


def test_a_cancelled_morning_workshop_names_the_afternoon_one_of_the_same_day(venue, in_two_days, counsellor):
    workshop = make_workshop(venue, in_two_days, start="09:30", end="11:30")
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=consenting(email=False))
    make_workshop(venue, in_two_days, start="08:00", end="09:00")  # earlier that day: not the next one
    make_workshop(venue, in_two_days, start="14:00", end="16:00")
    make_workshop(venue, in_two_days + datetime.timedelta(days=7))
    workshop_update(workshop=workshop, data=cancelled(workshop), user=counsellor)
    body = Message.objects.get().body
    assert body.endswith(f"Prochain atelier : {day_text(in_two_days)}, 14h00-16h00."), body


def test_a_counsellor_message_needs_consent_an_address_and_an_identified_file(counsellor):
    person = consenting(email=False)
    message = message_queue_one_off(
        beneficiary=person,
        channel=Channel.SMS,
        subject="",
        body="Votre attestation est prête.",
        user=counsellor,
    )
    assert (message.kind, message.body, message.created_by) == (
        Kind.ONE_OFF,
        "Votre attestation est prête.",
        counsellor,
    )
    with pytest.raises(MessageError, match="pas donné son accord pour recevoir des courriels"):
        message_queue_one_off(
            beneficiary=person, channel=Channel.EMAIL, subject="", body="Bonjour", user=counsellor
        )
    with pytest.raises(MessageError, match="Écrivez le message"):
        message_queue_one_off(beneficiary=person, channel=Channel.SMS, subject="", body="  ", user=counsellor)
    email = consenting("Ba", "Moussa", sms=False)
    sent = message_queue_one_off(
        beneficiary=email, channel=Channel.EMAIL, subject="Votre dossier", body="À jeudi.", user=counsellor
    )
    assert sent.subject == "Votre dossier" and "Bonjour Moussa" in sent.body and "À jeudi." in sent.body
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST, user=counsellor)
    with pytest.raises(MessageError, match="anonymisé"):
        message_queue_one_off(
            beneficiary=person, channel=Channel.SMS, subject="", body="Bonjour", user=counsellor
        )


def test_a_counsellor_message_without_an_address_is_refused(counsellor):
    person = consenting(email=False)
    type(person).objects.filter(pk=person.pk).update(phone="")
    with pytest.raises(MessageError, match="pas de numéro"):
        message_queue_one_off(
            beneficiary=person, channel=Channel.SMS, subject="", body="Bonjour", user=counsellor
        )


def test_anonymising_cancels_queued_messages_and_empties_every_text(session, counsellor):
    person = consenting()
    book(person, session)
    reminders_queue(now=starts(session.appointments.get()) - datetime.timedelta(hours=3))
    sent = Message.objects.filter(beneficiary=person, channel=Channel.SMS)
    sent.update(status=Status.SENT)

    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST, user=counsellor)

    statuses = dict(Message.objects.values_list("channel", "status"))
    assert statuses == {Channel.SMS: Status.SENT, Channel.EMAIL: Status.CANCELLED}
    assert set(Message.objects.values_list("subject", "body")) == {("", "")}


def test_merging_files_moves_their_messages(counsellor):
    kept, removed = consenting("Martin", "Élodie"), consenting("Martin", "Elodie")
    message_queue_one_off(
        beneficiary=removed, channel=Channel.SMS, subject="", body="Bonjour", user=counsellor
    )
    beneficiary_merge(kept=kept, removed=removed, user=counsellor)
    assert Message.objects.get().beneficiary == kept


def test_a_cancellation_rolled_back_queues_no_notice(session):
    book(consenting(), session)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        permanence_cancel(permanence=session, reason="Travaux")
        assert Message.objects.count() == 2  # queued in the cancellation's transaction
        raise Undo
    assert not Message.objects.exists()


def test_a_session_cancelled_in_the_admin_tells_those_booked(session, client, admin_user):
    book(consenting(email=False), session)
    client.force_login(admin_user)
    form = {
        "venue": session.venue.pk,
        "date": session.date.isoformat(),
        "start_time": "09:30",
        "end_time": "12:30",
        "status": PermanenceStatus.CANCELLED,
        "cancel_reason": "Grève des transports",
    }
    response = client.post(reverse("admin:permanences_permanence_change", args=[session.pk]), form)
    assert response.status_code == 302
    notice = Message.objects.get()
    assert notice.kind == Kind.SESSION_CANCELLED and "Grève des transports" in notice.body
    client.post(reverse("admin:permanences_permanence_change", args=[session.pk]), form)  # saved again
    assert Message.objects.count() == 1

"""Queuing messages: reminders, cancellation notices, a counsellor's one-off message;
and what anonymising or merging files does to them.

A message is queued with its text already written (messaging/texts.py) and only
for a channel the person accepted, with an address. `dedup_key` names the reason
of an automatic message and its channel: the same reason never gives two messages on
one channel, however many times the queuing runs (the key is unique in the database). Sending is
messaging/sending.py's, through a task queued when the transaction commits.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from beneficiaries.consent import address_of, has_consent
from beneficiaries.enums import AppointmentState, WorkshopStatus
from beneficiaries.models import Appointment, Beneficiary, Workshop, WorkshopRegistration
from permanences.models import Permanence, PublicInfo
from permanences.schedule import venue_schedules

from .enums import Channel, Kind, Status
from .models import Message, MessageTemplate
from .quiet import first_send_time
from .reasons import reminder_key, starts, venue_values
from .tasks import enqueue, enqueue_on_commit, send_message
from .texts import NO_CONTACT, TextError, day_text, hour_text, one_line, render, sms_size
from .withdrawal import withdrawal_url

ONE_OFF_MAX_LENGTH = 640
NO_CONSENT = {
    Channel.SMS: "Cette personne n'a pas donné son accord pour recevoir des SMS.",
    Channel.EMAIL: "Cette personne n'a pas donné son accord pour recevoir des courriels.",
}
NO_ADDRESS = {
    Channel.SMS: "Ce dossier n'a pas de numéro de téléphone.",
    Channel.EMAIL: "Ce dossier n'a pas d'adresse de courriel.",
}
ANONYMISED = "Ce dossier est anonymisé : aucun message ne lui est envoyé."


class MessageError(Exception):
    """A message that cannot be queued; the message is for the user, in French."""


def templates() -> dict[tuple[str, str], MessageTemplate]:
    return {(t.kind, t.channel): t for t in MessageTemplate.objects.all()}


def channels_of(person: Beneficiary) -> list[str]:
    """The channels a message may go to: consent given, and an address to send to."""
    return [
        channel
        for channel in Channel.values
        if person.anonymised_at is None and has_consent(person, channel) and address_of(person, channel)
    ]


def _written(template: MessageTemplate, values: dict[str, str], person: Beneficiary) -> tuple[str, str]:
    values = {**values, "prenom": one_line(person.first_name)}
    if template.channel == Channel.EMAIL:
        values["lien_retrait"] = withdrawal_url(person.pk)
    return render(template.subject, values), render(template.body, values)


def _new_message(*, person, kind, channel, values, texts, key=None, send_after=None, user=None) -> Message:
    subject, body = _written(texts[(kind, channel)], values, person)
    return Message(
        beneficiary=person,
        channel=channel,
        kind=kind,
        dedup_key=f"{key}:{channel}" if key else None,
        subject=subject,
        body=body,
        send_after=first_send_time(channel, send_after or timezone.now()),
        created_by=user,
    )


def _on_each_channel(person, kind, values, texts, key) -> list[Message]:
    """One automatic message about `key` on each channel the person accepted."""
    return [
        _new_message(person=person, kind=kind, channel=channel, values=values, texts=texts, key=key)
        for channel in channels_of(person)
    ]


def messages_save(messages: list[Message]) -> int:
    """Save new messages, skipping those whose reason already has one; queue their
    sending when the transaction commits. Returns how many were new.

    Three queries whatever their number (existing keys, insert, read back), and one
    per task queued by a database task backend.
    """
    keys = [m.dedup_key for m in messages if m.dedup_key]
    known = (
        set(Message.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)) if keys else set()
    )
    fresh = [m for m in messages if m.dedup_key not in known or m.dedup_key is None]
    if not fresh:
        return 0
    # A concurrent run may have saved the same reasons meanwhile: the unique key decides.
    Message.objects.bulk_create(fresh, ignore_conflicts=True)
    keyed = [m.dedup_key for m in fresh if m.dedup_key]
    rows = list(
        Message.objects.filter(dedup_key__in=keyed, status=Status.QUEUED).values_list("pk", "send_after")
    )
    rows += [(m.pk, m.send_after) for m in fresh if m.dedup_key is None and m.pk]
    enqueue_on_commit(rows)
    return len(rows)


# Reminders ------------------------------------------------------------------


def _window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    return now, now + datetime.timedelta(hours=settings.REMINDER_LEAD_HOURS)


def _consenting():
    return {"beneficiary__anonymised_at__isnull": True}


def due_appointments(now: datetime.datetime):
    start, end = _window(now)
    rows = (
        Appointment.objects.with_state(now=timezone.localtime(now))
        .filter(
            state=AppointmentState.BOOKED,
            permanence__date__gte=timezone.localtime(start).date(),
            permanence__date__lte=timezone.localtime(end).date(),
            **_consenting(),
        )
        .exclude(beneficiary__sms_consent_at__isnull=True, beneficiary__email_consent_at__isnull=True)
        .select_related("beneficiary", "permanence__venue")
    )
    return [a for a in rows if start < starts(a.permanence.date, a.time) <= end]


def due_registrations(now: datetime.datetime):
    start, end = _window(now)
    rows = (
        WorkshopRegistration.objects.with_place()
        .filter(
            workshop__status=WorkshopStatus.PLANNED,
            workshop__date__gte=timezone.localtime(start).date(),
            workshop__date__lte=timezone.localtime(end).date(),
            **_consenting(),
        )
        .exclude(beneficiary__sms_consent_at__isnull=True, beneficiary__email_consent_at__isnull=True)
        .select_related("beneficiary", "workshop__venue")
    )
    return [r for r in rows if start < starts(r.workshop.date, r.workshop.start_time) <= end]


def public_values() -> dict[str, str]:
    """The values the public information gives: what to bring, and how to reach the association."""
    info = PublicInfo.objects.current()
    bring = ", ".join(item[:1].lower() + item[1:] for item in info.what_to_bring_list)
    return {"a_apporter": one_line(bring), "contact": one_line(info.contact).rstrip(". ") or NO_CONTACT}


def reminders_queue(*, now: datetime.datetime | None = None) -> int:
    """Queue the reminders of the follow-up appointments and workshops starting within
    REMINDER_LEAD_HOURS; run again, it queues nothing twice. Returns how many were new."""
    now = now or timezone.now()
    public = public_values()
    texts = templates()
    messages = []
    for kind, rows in (
        (Kind.APPOINTMENT_REMINDER, due_appointments(now)),
        (Kind.WORKSHOP_REMINDER, due_registrations(now)),
    ):
        for row in rows:
            if kind == Kind.APPOINTMENT_REMINDER:
                values = venue_values(row.permanence.venue, row.permanence.date, row.time)
            else:
                values = venue_values(row.workshop.venue, row.workshop.date, row.workshop.start_time)
            values |= public
            messages += _on_each_channel(row.beneficiary, kind, values, texts, reminder_key(kind, row))
    with transaction.atomic():
        return messages_save(messages)


# Cancellation notices ---------------------------------------------------------

# What {prochaine_seance} says when none is known: « Prochaine permanence : … », « Prochain atelier : … ».
NOT_ANNOUNCED = "pas encore annoncée"
WORKSHOP_NOT_ANNOUNCED = "pas encore annoncé"


def _slot_text(day: datetime.date, start: datetime.time, end: datetime.time) -> str:
    return f"{day_text(day)}, {hour_text(start)}-{hour_text(end)}"


def next_session_text(permanence: Permanence) -> str:
    """The next session at the venue of a cancelled one, as the public page says it."""
    for schedule in venue_schedules(day=permanence.date, weeks=1, venue=permanence.venue):
        for session in schedule.sessions + schedule.later_cancellations:
            same = (session.date, session.start_time) == (permanence.date, permanence.start_time)
            if same and session.next_session is not None:
                following = session.next_session
                return _slot_text(following.date, following.start_time, following.end_time)
    return NOT_ANNOUNCED


def next_workshop_text(workshop: Workshop) -> str:
    """The next workshop on the same theme at the same venue, not cancelled (later the same
    day included)."""
    later = Q(date__gt=workshop.date) | Q(date=workshop.date, start_time__gt=workshop.start_time)
    following = (
        Workshop.objects.filter(
            venue=workshop.venue_id, theme=workshop.theme_id, status=WorkshopStatus.PLANNED
        )
        .filter(later)
        .order_by("date", "start_time")
        .first()
    )
    if following is None:
        return WORKSHOP_NOT_ANNOUNCED
    return _slot_text(following.date, following.start_time, following.end_time)


def permanence_cancellation_notify(permanence: Permanence) -> int:
    """Tell the persons booked on a cancelled session (their appointments not cancelled
    before), with the reason and the next session at that venue. Past sessions: nobody."""
    if starts(permanence.date, permanence.end_time) <= timezone.now():
        return 0
    booked = Appointment.objects.filter(
        permanence=permanence, cancelled_at__isnull=True, beneficiary__anonymised_at__isnull=True
    ).select_related("beneficiary")
    texts, following, public = templates(), next_session_text(permanence), public_values()
    messages = []
    for appointment in booked:
        values = venue_values(permanence.venue, permanence.date, appointment.time) | public
        values |= {"motif": one_line(permanence.cancel_reason).rstrip(". "), "prochaine_seance": following}
        key = f"annulation-permanence:{permanence.pk}:{appointment.beneficiary_id}"
        messages += _on_each_channel(appointment.beneficiary, Kind.SESSION_CANCELLED, values, texts, key)
    return messages_save(messages)


def workshop_cancellation_notify(workshop: Workshop) -> int:
    """Tell the persons with a place at a cancelled workshop, with the reason and the
    next workshop on that theme at that venue. Past workshops: nobody."""
    if starts(workshop.date, workshop.end_time) <= timezone.now():
        return 0
    registrations = workshop.registrations.with_place().filter(beneficiary__anonymised_at__isnull=True)
    texts, following = templates(), next_workshop_text(workshop)
    values = venue_values(workshop.venue, workshop.date, workshop.start_time) | public_values()
    values |= {"motif": one_line(workshop.cancel_reason).rstrip(". "), "prochaine_seance": following}
    messages = []
    for registration in registrations.select_related("beneficiary"):
        key = f"annulation-atelier:{workshop.pk}:{registration.beneficiary_id}"
        messages += _on_each_channel(registration.beneficiary, Kind.WORKSHOP_CANCELLED, values, texts, key)
    return messages_save(messages)


# A counsellor's message -------------------------------------------------------


@transaction.atomic
def message_queue_one_off(
    *, beneficiary: Beneficiary, channel: str, subject: str, body: str, user
) -> Message:
    """Queue a counsellor's free-text message to a person, on a channel they accepted.

    The text is the counsellor's: the form reminds that no health, RSA or private
    detail goes into it. Refused on an anonymised file, without consent or address.
    """
    person = Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).first()
    if person is None or person.anonymised_at is not None:
        raise MessageError(ANONYMISED)
    if channel not in Channel.values:
        raise MessageError("Canal inconnu : SMS ou courriel.")
    if not has_consent(person, channel):
        raise MessageError(NO_CONSENT[channel])
    if not address_of(person, channel):
        raise MessageError(NO_ADDRESS[channel])
    body, subject = body.strip(), one_line(subject)
    if not body:
        raise MessageError("Écrivez le message.")
    if len(body) > ONE_OFF_MAX_LENGTH:
        raise MessageError(f"Le message ne doit pas dépasser {ONE_OFF_MAX_LENGTH} caractères.")
    texts = templates()
    try:
        message = _new_message(
            person=person,
            kind=Kind.ONE_OFF,
            channel=channel,
            values={"message": body},
            texts=texts,
            user=user,
        )
    except TextError as error:
        raise MessageError(str(error)) from None
    if channel == Channel.EMAIL and subject:
        message.subject = subject[:200]
    message.save()
    enqueue_on_commit([(message.pk, message.send_after)])
    return message


def one_off_size(body: str) -> str:
    """What an SMS of this text costs, in French (the form shows it)."""
    return sms_size(body).label


# Files anonymised or merged ---------------------------------------------------


def file_messages_anonymise(beneficiary: Beneficiary) -> None:
    """An anonymised file's messages lose their texts; those queued are never sent."""
    now = timezone.now()
    messages = Message.objects.filter(beneficiary=beneficiary)
    # The texts first: the database refuses any other change while one is filled.
    messages.exclude(subject="", body="").update(subject="", body="", updated_at=now)
    messages.filter(status=Status.QUEUED).update(
        status=Status.CANCELLED, last_error="Dossier anonymisé.", status_at=now, updated_at=now
    )


def file_messages_move(*, kept: Beneficiary, removed: Beneficiary) -> int:
    return Message.objects.filter(beneficiary=removed).update(beneficiary=kept, updated_at=timezone.now())


# Lost tasks ---------------------------------------------------------------------


def _pending_tasks(now: datetime.datetime) -> set[int]:
    """The messages whose task waits in the database task queue, or runs since lately (a
    task left running by a worker that died is lost); none with another task backend."""
    if not isinstance(send_message.get_backend(), DatabaseBackend):
        return set()
    lately = now - datetime.timedelta(minutes=settings.MESSAGE_SENDING_STALE_MINUTES)
    waiting = (
        DBTaskResult.objects.filter(task_path=send_message.module_path)
        .filter(Q(status="READY") | Q(status="RUNNING", started_at__gt=lately))
        .values_list("args_kwargs", flat=True)
    )
    return {int(args["args"][0]) for args in waiting if args.get("args")}


def lost_messages_requeue(*, now: datetime.datetime | None = None) -> int:
    """Queue again the tasks of due queued messages that have none (lost, or never
    queued by a backend that cannot wait). Harmless twice: a task claims first."""
    now = now or timezone.now()
    due = list(Message.objects.filter(status=Status.QUEUED, send_after__lte=now).values_list("pk", flat=True))
    pending = _pending_tasks(now)
    lost = [(pk, now) for pk in due if pk not in pending]
    for pk, when in lost:
        enqueue(pk, when)
    return len(lost)

"""Sending: consent checked again, quiet hours, at most once (a fault injected between
the provider's acceptance and the record), retries with backoff and give-up."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.appointment_services import appointment_cancel
from beneficiaries.consent import consent_record
from messaging import sending
from messaging.enums import Channel, Status
from messaging.models import Message
from messaging.quiet import quiet_until
from messaging.sending import message_send
from messaging.services import message_queue_one_off, reminders_queue
from messaging.sms import RefusedError, TemporaryError, UnknownResultError
from messaging.tasks import send_message

from .conftest import book, consenting, sms_sent, starts

pytestmark = pytest.mark.django_db
PARIS = timezone.get_current_timezone()


def one_off(person, channel=Channel.SMS, body="Votre attestation est disponible."):
    return message_queue_one_off(beneficiary=person, channel=channel, subject="", body=body, user=None)


def test_an_sms_and_an_email_are_sent_once_and_recorded(settings):
    person = consenting()
    sms, email = one_off(person), one_off(person, Channel.EMAIL)
    assert message_send(sms.pk) == ("sent", None)
    assert message_send(email.pk) == ("sent", None)
    assert message_send(sms.pk) == ("skipped", None)  # a second task for it sends nothing
    [line] = sms_sent(settings)
    assert (line["to"], line["text"], line["unicode"]) == ("+33600001234", sms.body, False)
    [sent] = mail.outbox
    assert sent.to == [person.email] and "Votre attestation est disponible." in sent.body
    sms.refresh_from_db()
    email.refresh_from_db()
    assert (sms.status, sms.provider_ref, sms.attempts) == (Status.SENT, line["reference"], 1)
    assert sms.sent_at is not None and email.status == Status.SENT
    assert email.provider_ref == sent.extra_headers["Message-ID"]


def test_an_accented_sms_goes_as_unicode(settings):
    one = one_off(consenting(email=False), body="Ça commence à 9h30, à bientôt.")
    message_send(one.pk)
    assert sms_sent(settings)[0]["unicode"] is True


def test_no_send_without_consent_and_consent_withdrawn_after_queuing_cancels(settings):
    person = consenting()
    sms, email = one_off(person), one_off(person, Channel.EMAIL)
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=False)
    consent_record(beneficiary_id=person.pk, channel=Channel.EMAIL, given=False)
    assert message_send(sms.pk) == ("cancelled", None)
    assert message_send(email.pk) == ("cancelled", None)
    assert sms_sent(settings) == [] and mail.outbox == []
    sms.refresh_from_db()
    assert (sms.status, sms.last_error, sms.attempts) == (Status.CANCELLED, "Accord retiré avant l'envoi.", 0)


def test_a_reminder_whose_appointment_was_cancelled_is_not_sent(session, settings, counsellor):
    appointment = book(consenting(email=False), session)
    reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3))
    appointment_cancel(appointment=appointment, user=counsellor)
    assert message_send(Message.objects.get().pk) == ("cancelled", None)
    assert sms_sent(settings) == []


def test_a_reminder_whose_appointment_moved_is_not_sent_the_new_one_is(session, settings):
    appointment = book(consenting(email=False), session)
    reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3))
    old = Message.objects.get()
    appointment.time = datetime.time(11)
    appointment.save()
    assert message_send(old.pk) == ("cancelled", None)
    reminders_queue(now=starts(appointment) - datetime.timedelta(hours=3))
    new = Message.objects.exclude(pk=old.pk).get()
    assert message_send(new.pk) == ("sent", None)
    [line] = sms_sent(settings)
    assert "à 11h00" in line["text"]


def test_a_landline_gets_no_sms(settings):
    person = consenting(email=False, phone="01 48 00 00 00")
    message = one_off(person)
    assert message_send(message.pk) == ("failed", None)
    message.refresh_from_db()
    assert message.status == Status.FAILED and "fixe" in message.last_error


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        ((2026, 3, 10, 21, 0), (2026, 3, 11, 8, 0)),
        ((2026, 3, 10, 20, 0), (2026, 3, 11, 8, 0)),
        ((2026, 3, 11, 7, 59), (2026, 3, 11, 8, 0)),
        ((2026, 3, 11, 8, 0), None),
        ((2026, 3, 11, 19, 59), None),
    ],
)
def test_quiet_hours_end_at_eight_local_time(settings, moment, until):
    settings.SMS_QUIET_HOURS = "20:00-08:00"
    got = quiet_until(datetime.datetime(*moment, tzinfo=PARIS))
    assert got == (datetime.datetime(*until, tzinfo=PARIS) if until else None)


def test_no_sms_in_the_quiet_hours_it_waits_for_their_end_emails_go(settings):
    person = consenting()
    settings.SMS_QUIET_HOURS = ""
    sms, email = one_off(person), one_off(person, Channel.EMAIL)
    # Quiet hours all day long, from now on: the SMS waits until their end, the e-mail goes.
    now = timezone.localtime()
    end = (now - datetime.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    settings.SMS_QUIET_HOURS = f"{now:%H:%M}-{end:%H:%M}"
    outcome, again = message_send(sms.pk)
    assert outcome == "quiet-hours" and again > timezone.now()
    assert message_send(email.pk) == ("sent", None)
    sms.refresh_from_db()
    assert sms.status == Status.QUEUED and sms.send_after == again and sms_sent(settings) == []
    # Queued during the quiet hours, a new SMS waits too.
    assert one_off(person).send_after == again


def test_a_fault_after_the_provider_accepted_never_sends_twice(settings, monkeypatch):
    """The worker dies between the provider's acceptance and the record: the message
    stays SENDING, no task or queuing run sends it again; the sweep marks it failed."""
    message = one_off(consenting(email=False))

    class WorkerKilled(BaseException):  # as SystemExit or SIGKILL: no except catches it
        pass

    def killed(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(sending, "record_sent", killed)
    with pytest.raises(WorkerKilled):
        send_message.call(message.pk)
    monkeypatch.undo()
    assert len(sms_sent(settings)) == 1
    message.refresh_from_db()
    assert message.status == Status.SENDING

    assert send_message.call(message.pk) == "skipped"
    for _ in range(2):
        call_command("queue_messages", stdout=io.StringIO())
    assert len(sms_sent(settings)) == 1
    message.refresh_from_db()
    assert message.status == Status.SENDING

    # After MESSAGE_SENDING_STALE_MINUTES, its result is unknown: failed, never resent.
    Message.objects.filter(pk=message.pk).update(status_at=timezone.now() - datetime.timedelta(minutes=11))
    out = io.StringIO()
    call_command("queue_messages", stdout=out)
    assert "1 envoi(s) interrompu(s)" in out.getvalue()
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.last_error.startswith("Résultat inconnu")
    call_command("queue_messages", stdout=io.StringIO())
    assert len(sms_sent(settings)) == 1


class Flaky:
    """An SMS backend that raises the given errors in turn, then accepts."""

    errors: list = []
    calls = 0

    def send(self, *, to, text, unicode):
        Flaky.calls += 1
        if Flaky.errors:
            raise Flaky.errors.pop(0)
        return "flaky-1"


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.messaging.test_sending.Flaky"
    Flaky.calls = 0
    return Flaky


def test_temporary_errors_are_retried_with_backoff_then_sent(flaky):
    flaky.errors = [TemporaryError("Brevo a répondu 503."), TemporaryError("Brevo a répondu 502.")]
    message = one_off(consenting(email=False))
    before = timezone.now()
    outcome, again = message_send(message.pk)
    assert outcome == "retry" and 60 <= (again - before).total_seconds() < 70
    assert message_send(message.pk) == ("not-due", again)  # not before its time
    Message.objects.filter(pk=message.pk).update(send_after=timezone.now())
    before = timezone.now()
    outcome, again = message_send(message.pk)
    assert outcome == "retry" and 120 <= (again - before).total_seconds() < 130  # doubled
    Message.objects.filter(pk=message.pk).update(send_after=timezone.now())
    assert message_send(message.pk) == ("sent", None)
    message.refresh_from_db()
    assert (message.status, message.attempts, flaky.calls) == (Status.SENT, 3, 3)


def test_given_up_after_max_attempts_shown_failed(flaky, settings):
    settings.MESSAGE_MAX_ATTEMPTS = 2
    flaky.errors = [TemporaryError("Brevo a répondu 503.")] * 2
    message = one_off(consenting(email=False))
    assert message_send(message.pk)[0] == "retry"
    Message.objects.filter(pk=message.pk).update(send_after=timezone.now())
    assert message_send(message.pk) == ("failed", None)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error == "Abandonné après 2 essais : Brevo a répondu 503."


def test_a_refusal_fails_at_once_and_an_unknown_result_is_never_retried(flaky):
    person = consenting(email=False)
    flaky.errors = [RefusedError("Brevo a refusé le SMS (400)."), UnknownResultError("pas de réponse")]
    refused, unknown = one_off(person), one_off(person)
    assert message_send(refused.pk) == ("failed", None)
    assert message_send(unknown.pk) == ("failed", None)
    refused.refresh_from_db()
    unknown.refresh_from_db()
    assert refused.last_error == "Brevo a refusé le SMS (400)." and refused.attempts == 1
    assert unknown.last_error.startswith("Résultat inconnu : pas de réponse") and flaky.calls == 2


def test_the_queuing_command_requeues_due_messages_whose_task_was_lost(settings):
    message = one_off(consenting(email=False))  # its task ran on commit: never, in this test
    out = io.StringIO()
    call_command("queue_messages", stdout=out)
    assert "1 envoi(s) relancé(s)" in out.getvalue()
    message.refresh_from_db()
    assert message.status == Status.SENT and len(sms_sent(settings)) == 1
    call_command("queue_messages", stdout=io.StringIO())
    assert len(sms_sent(settings)) == 1


def test_with_the_database_queue_a_waiting_task_is_not_queued_twice(
    settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = one_off(consenting(email=False))
    assert DBTaskResult.objects.count() == 1
    for _ in range(2):
        call_command("queue_messages", stdout=io.StringIO())
    assert DBTaskResult.objects.count() == 1  # its task still waits for the worker
    # Its task started by a worker that died before claiming it: lost, queued again.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - datetime.timedelta(minutes=11))
    call_command("queue_messages", stdout=io.StringIO())
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # A retry waits with run_after.
    DBTaskResult.objects.all().delete()
    settings.SMS_BACKEND = "tests.messaging.test_sending.Flaky"
    Flaky.errors = [TemporaryError("Brevo a répondu 503.")]
    send_message.call(message.pk)
    task = DBTaskResult.objects.get()
    message.refresh_from_db()
    assert task.run_after == message.send_after > timezone.now()


def test_a_backend_wrongly_set_up_leaves_the_message_queued(settings):
    message = one_off(consenting(email=False))
    settings.SMS_BACKEND = "brevo"
    settings.BREVO_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        message_send(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)

"""The real task worker (`manage.py db_worker`, a process of its own, on the test database)
killed between the provider's acceptance and the record: the message is never sent again."""

import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from messaging.enums import Channel, Status
from messaging.models import Message
from messaging.services import message_queue_one_off

from ..beneficiaries.test_import_jobs import DATABASE_TASKS, Worker
from .conftest import consenting, sms_sent

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.2)


def test_a_worker_killed_after_the_provider_accepted_never_sends_again(
    reference_data, settings, tmp_path, monkeypatch
):
    settings.TASKS = DATABASE_TASKS
    monkeypatch.setenv("SMS_FILE_PATH", str(settings.SMS_FILE_PATH))
    monkeypatch.setenv("SMS_QUIET_HOURS", "")
    monkeypatch.setenv("SMS_BACKEND", "tests.messaging.killer.KilledAfterSending")
    message = message_queue_one_off(
        beneficiary=consenting(email=False), channel=Channel.SMS, subject="", body="Bonjour", user=None
    )
    killed = Worker(tmp_path / "killed.log")
    killed.start()
    try:
        wait_for(lambda: killed.process.poll() is not None)
    finally:
        killed.stop()
    assert len(sms_sent(settings)) == 1
    message.refresh_from_db()
    assert message.status == Status.SENDING

    # Another worker, that sends for real, and the queuing command twice: nothing more.
    monkeypatch.setenv("SMS_BACKEND", "file")
    worker = Worker(tmp_path / "worker.log")
    worker.start()
    try:
        for _ in range(2):
            call_command("queue_messages", stdout=io.StringIO())
        other = message_queue_one_off(
            beneficiary=consenting("Ba", "Moussa", email=False),
            channel=Channel.SMS,
            subject="",
            body="Salut",
            user=None,
        )
        wait_for(lambda: Message.objects.get(pk=other.pk).status == Status.SENT)
    finally:
        worker.stop()
    assert [line["text"] for line in sms_sent(settings)] == ["Bonjour", "Salut"]
    message.refresh_from_db()
    assert message.status == Status.SENDING

    Message.objects.filter(pk=message.pk).update(status_at=timezone.now() - datetime.timedelta(minutes=11))
    call_command("queue_messages", stdout=io.StringIO())
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.last_error.startswith("Résultat inconnu")

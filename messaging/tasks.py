"""The sending task (Django's Tasks framework; the worker is `manage.py db_worker`), one
per message, and its queuing.

A task is queued when the transaction that saved its message commits; with a
task backend that can wait (django-tasks-db: `run_after`), a message due later
(quiet hours, a new try) gets its task at once, to run then. Otherwise, and
whenever a task was lost (the process stopped between the commit and the
queuing), `queue_messages` queues the due messages again: running a task twice
sends nothing twice, since each first claims its message (messaging/sending.py).
"""

import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .sending import message_send


@task()
def send_message(message_id: int) -> str:
    """Send one message; queue its next try, or its sending after the quiet hours."""
    outcome, again_at = message_send(message_id)
    if again_at is not None:
        enqueue(message_id, again_at)
    return outcome


def enqueue(message_id: int, send_after: datetime.datetime) -> bool:
    """Queue the task of a message; False when it cannot wait until `send_after`
    (a backend without `run_after`): queue_messages queues it once it is due."""
    if send_after <= timezone.now():
        send_message.enqueue(message_id)
        return True
    if send_message.get_backend().supports_defer:
        send_message.using(run_after=send_after).enqueue(message_id)
        return True
    return False


def enqueue_on_commit(rows: list[tuple[int, datetime.datetime]]) -> None:
    """Queue these messages' tasks (pk, send_after) once the current transaction commits."""

    def queue():
        for pk, send_after in rows:
            enqueue(pk, send_after)

    if rows:
        transaction.on_commit(queue)

"""The messages' benchmark: N persons who accept SMS, each expected at a coming session;
their reminders queued (one task each in the database queue), then sent to the file
backend, as the worker's task does, one message after the other."""

import datetime
import tempfile
from pathlib import Path

from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from beneficiaries.enums import Sex
from beneficiaries.models import Appointment, Beneficiary
from messaging.enums import Status
from messaging.models import Message
from messaging.sending import message_send
from messaging.services import reminders_queue
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue

from .timing import Stopwatch

PER_SESSION = 100  # appointments of one session (its hours span the day)


class QueryCounter:
    """The SQL statements run inside a `with` block (any number, nothing kept)."""

    def __enter__(self) -> "QueryCounter":
        self.count = 0
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc_info) -> None:
        self._wrapper.__exit__(*exc_info)


def generate(count: int, *, day: datetime.date, tag: str) -> None:
    """`count` persons who accept SMS, each booked at one of the sessions of `day`."""
    quarter = Quarter.objects.create(name=f"Quartier du banc {tag}")
    venues = [
        Venue.objects.create(name=f"Lieu du banc {tag}-{n}", quarter=quarter)
        for n in range(count // PER_SESSION + 1)
    ]
    sessions = Permanence.objects.bulk_create(
        Permanence(
            venue=venue,
            date=day,
            start_time=datetime.time(8),
            end_time=datetime.time(18),
            status=PermanenceStatus.PLANNED,
        )
        for venue in venues
    )
    now = timezone.now()
    persons = Beneficiary.objects.bulk_create(
        Beneficiary(
            last_name=f"Banc{tag}",
            first_name=f"Prénom{n}",
            search_key=f"banc{tag} prenom{n}",
            sex=Sex.NOT_STATED,
            phone=f"06 39 98 {n // 100 % 100:02d} {n % 100:02d}",
            sms_consent_at=now,
            ref=f"B{tag}-{n:06d}",
        )
        for n in range(count)
    )
    Appointment.objects.bulk_create(
        Appointment(
            beneficiary=person,
            permanence=sessions[n // PER_SESSION],
            time=datetime.time(8 + n % PER_SESSION * 9 // PER_SESSION, 0),
        )
        for n, person in enumerate(persons)
    )


def measure(count: int, *, tag: str) -> dict:
    """Queue then send `count` reminders; time and queries of each phase."""
    day = timezone.localdate() + datetime.timedelta(days=2)
    generate(count, day=day, tag=tag)
    now = datetime.datetime.combine(day, datetime.time(7), tzinfo=timezone.get_current_timezone())
    with (
        tempfile.TemporaryDirectory() as folder,
        override_settings(
            SMS_BACKEND="file",
            SMS_FILE_PATH=Path(folder) / "sms.jsonl",
            SMS_QUIET_HOURS="",
            REMINDER_LEAD_HOURS=24,
            TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
        ),
    ):
        with QueryCounter() as queued_queries, Stopwatch() as queuing:
            queued = reminders_queue(now=now)
        ids = list(Message.objects.filter(status=Status.QUEUED).values_list("pk", flat=True))
        with QueryCounter() as sent_queries, Stopwatch() as sending:
            outcomes = [message_send(pk)[0] for pk in ids]
        lines = len((Path(folder) / "sms.jsonl").read_text().splitlines())
    return {
        "messages": count,
        "queued": queued,
        "sent": outcomes.count("sent"),
        "sms_written": lines,
        "queue_s": round(queuing.seconds, 3),
        "queue_per_s": round(queued / queuing.seconds, 1),
        "queue_queries_per_message": round(queued_queries.count / max(queued, 1), 3),
        "send_s": round(sending.seconds, 3),
        "send_per_s": round(len(ids) / sending.seconds, 1),
        "send_queries_per_message": round(sent_queries.count / max(len(ids), 1), 3),
    }

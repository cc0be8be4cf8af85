"""Sending one message: at most once.

1. Claim: in a transaction of its own, the message's row is locked (a worker
   that finds it locked by another leaves it), checked again — still queued,
   due, consent still given, an address, the file not anonymised, a reminder's
   appointment still booked, not in the quiet hours for an SMS — and marked
   SENDING; the transaction commits before anything is handed to the provider.
2. The provider (an SMS backend, or Django's e-mail framework) is called.
3. The result is recorded: SENT with the provider's reference; or, on an error,
   a new try later (temporary error, up to MESSAGE_MAX_ATTEMPTS), or FAILED.

A worker that dies between 2 and 3 leaves the message SENDING: nothing ever
sends it again (no claim succeeds on it), and `queue_messages` marks it FAILED,
result unknown, after MESSAGE_SENDING_STALE_MINUTES. A message can be lost that
way, never sent twice: the guarantee chosen (README, "Messages aux personnes").
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beneficiaries.consent import address_of, has_consent

from .enums import Channel, Status
from .mail import build_email, send_email
from .models import Message
from .phones import sms_number
from .quiet import quiet_until
from .reasons import reminder_still_due
from .sms import RefusedError, SmsBackend, SmsError, TemporaryError, UnknownResultError, sms_backend
from .texts import is_gsm7

UNKNOWN = "Résultat inconnu : {why}. Le message n'est jamais renvoyé (au plus une fois)."
STALE = "l'envoi a été interrompu avant que son résultat soit noté"


def _refusal(message: Message, now: datetime.datetime) -> str | None:
    """Why a claimed message must not be sent (it becomes CANCELLED), or None."""
    person = message.beneficiary
    if person.anonymised_at is not None:
        return "Dossier anonymisé."
    if not has_consent(person, message.channel):
        return "Accord retiré avant l'envoi."
    if not address_of(person, message.channel):
        return "Plus d'adresse pour ce canal."
    if not reminder_still_due(message, now=now):
        return "Rendez-vous annulé, déplacé ou passé : rappel sans objet."
    return None


def _claim(message_id: int, now: datetime.datetime) -> tuple[Message | None, str, datetime.datetime | None]:
    """Lock, check and mark SENDING, in a transaction of its own (committed on return)."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("beneficiary")
            .filter(pk=message_id, status=Status.QUEUED)
            .first()
        )
        if message is None:
            return None, "skipped", None  # sent, being sent, cancelled, or claimed by another worker
        if message.send_after > now:
            return None, "not-due", message.send_after
        if refusal := _refusal(message, now):
            _set(message, now, status=Status.CANCELLED, last_error=refusal)
            return None, "cancelled", None
        if message.channel == Channel.SMS and (until := quiet_until(now)) is not None:
            _set(message, now, send_after=until)
            return None, "quiet-hours", until
        _set(message, now, status=Status.SENDING, attempts=message.attempts + 1)
        return message, "claimed", None


def _set(message: Message, now: datetime.datetime, **values) -> None:
    values.setdefault("status_at", now)
    for name, value in values.items():
        setattr(message, name, value)
    Message.objects.filter(pk=message.pk).update(**values, updated_at=now)


def _hand_over(message: Message, backend: SmsBackend) -> str:
    """Give the message to the provider; its reference. Raises the errors of sms/base.py."""
    person = message.beneficiary
    if message.channel == Channel.SMS:
        number = sms_number(person.phone)
        if number is None:
            raise RefusedError("Ce numéro ne reçoit pas de SMS (fixe ou mal écrit).")
        return backend.send(to=number, text=message.body, unicode=not is_gsm7(message.body))
    email = build_email(to=person.email, subject=message.subject, body=message.body, beneficiary_id=person.pk)
    return send_email(email)


def record_sent(message: Message, reference: str) -> None:
    """Step 3 on success. (A test injects its fault here: the provider has accepted.)"""
    now = timezone.now()
    _set(message, now, status=Status.SENT, provider_ref=reference[:100], sent_at=now, last_error="")


def _record_error(message: Message, error: SmsError) -> datetime.datetime | None:
    """Step 3 on an error; when to try again, or None."""
    now = timezone.now()
    why = str(error)[:200]
    if isinstance(error, TemporaryError) and message.attempts < settings.MESSAGE_MAX_ATTEMPTS:
        again = now + datetime.timedelta(seconds=settings.MESSAGE_RETRY_SECONDS * 2 ** (message.attempts - 1))
        _set(
            message,
            now,
            status=Status.QUEUED,
            send_after=again,
            last_error=f"Essai {message.attempts} : {why}",
        )
        return again
    if isinstance(error, TemporaryError):
        why = f"Abandonné après {message.attempts} essais : {why}"
    elif isinstance(error, UnknownResultError):
        why = UNKNOWN.format(why=why)
    _set(message, now, status=Status.FAILED, last_error=why[:255])
    return None


def message_send(message_id: int) -> tuple[str, datetime.datetime | None]:
    """Send one queued message at most once; (what happened, when to queue it again or None)."""
    # A backend wrongly set up fails here, before the claim: the message stays queued.
    backend = sms_backend()
    now = timezone.now()
    message, outcome, again = _claim(message_id, now)
    if message is None:
        return outcome, again
    try:
        reference = _hand_over(message, backend)
    except (TemporaryError, RefusedError, UnknownResultError) as error:
        again = _record_error(message, error)
        return ("retry" if again else "failed"), again
    record_sent(message, reference)
    return "sent", None


def stale_sending_fail(*, now: datetime.datetime | None = None) -> int:
    """Mark FAILED (result unknown) the messages left SENDING by a worker that died."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.MESSAGE_SENDING_STALE_MINUTES)
    return Message.objects.filter(status=Status.SENDING, status_at__lt=limit).update(
        status=Status.FAILED, last_error=UNKNOWN.format(why=STALE), status_at=now, updated_at=now
    )

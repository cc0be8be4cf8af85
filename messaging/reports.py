"""Providers' delivery reports: a message sent becomes DELIVERED or FAILED."""

from django.utils import timezone

from .enums import Channel, Status
from .models import Message

# Brevo's SMS events (`msg_status`, or `event`), lower case without separators.
DELIVERED = {"delivered"}
FAILED = {"hardbounce", "softbounce", "rejected", "blacklisted", "blocked", "error", "skip", "unsubscribed"}


def brevo_report_record(event: dict) -> int:
    """Apply one report to the message with its reference; how many rows changed."""
    reference = str(event.get("messageId") or event.get("message-id") or "")
    name = str(event.get("msg_status") or event.get("event") or "").lower().replace("_", "").replace(" ", "")
    if not reference or name not in DELIVERED | FAILED:
        return 0
    now = timezone.now()
    messages = Message.objects.filter(provider_ref=reference, channel=Channel.SMS)
    if name in DELIVERED:
        return messages.filter(status=Status.SENT).update(
            status=Status.DELIVERED, status_at=now, updated_at=now
        )
    return messages.filter(status__in=[Status.SENT, Status.DELIVERED]).update(
        status=Status.FAILED,
        last_error=f"Non remis (rapport du prestataire : {name}).",
        status_at=now,
        updated_at=now,
    )

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from .context import command_label, current_user
from .db import purge_allowed
from .enums import AuditAction
from .models import AuditEntry


def audit_record(
    *, action: AuditAction, user=None, obj=None, file_ref: str = "", detail: str = ""
) -> AuditEntry:
    """Record one action (a read, a list shown, the summary of an import…); the
    rows written are recorded by the database. `obj` gives the object type and
    id, and the file ref through its `audit_file_ref()` when it has one. Never
    pass names or notes. Without a user, the running command is named."""
    user = user if user is not None else current_user.get()
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        if not file_ref and hasattr(obj, "audit_file_ref"):
            file_ref = obj.audit_file_ref()
    return AuditEntry.objects.create(
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None else command_label(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        file_ref=file_ref or "",
        detail=detail[:255],
    )


def audit_purge(*, now=None) -> int:
    """Remove the entries older than the retention period (AUDIT_RETENTION_DAYS)."""
    now = now or timezone.now()
    with purge_allowed():
        return AuditEntry.objects.purge_before(now - timezone.timedelta(days=settings.AUDIT_RETENTION_DAYS))


def logins_purge(*, now=None) -> int:
    """Remove django-axes' records of logins and failed logins (identifier typed, IP
    address, browser) older than the trail's retention period; how many."""
    cutoff = (now or timezone.now()) - timezone.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[1].get(model._meta.label, 0)
        for model in (AccessLog, AccessFailureLog, AccessAttempt)
    )

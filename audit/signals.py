"""Logins, logouts and failed logins; and each new database connection, which
learns how to tell the audit triggers who is writing (audit/db.py).

Creates, changes and deletes are recorded by the database itself (the
triggers of migration 0003), not here: signals miss QuerySet.update(),
bulk_create, COPY and plain SQL."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .db import prepare
from .enums import AuditAction
from .services import audit_record


@receiver(connection_created)
def prepare_connection(sender, connection, **kwargs):
    prepare(connection)


@receiver(user_logged_in)
def record_login(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, user=user)


@receiver(user_logged_out)
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, user=user)


@receiver(user_login_failed)
def record_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted identifier is not kept: people type passwords into it.
    audit_record(action=AuditAction.LOGIN_FAILED, user=None, detail="")

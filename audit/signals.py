"""Creates, changes and deletes of the audited models; logins and logouts."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .enums import AuditAction
from .services import audit_record

# Models whose every create, change and delete is recorded (by label, so that
# this bottom app imports none of them).
AUDITED = {
    "auth.user",
    "auth.group",
    "permanences.quarter",
    "permanences.venue",
    "permanences.weeklyslot",
    "permanences.permanence",
    "beneficiaries.beneficiary",
    "beneficiaries.visit",
    "beneficiaries.referral",
    "beneficiaries.outcome",
    "beneficiaries.topic",
    "reporting.publishedbilan",
}
# A login updates last_login: not a change worth an entry of its own.
IGNORED_UPDATES = {("auth.user", frozenset({"last_login"}))}


@receiver(post_save)
def record_save(sender, instance, created, update_fields=None, raw=False, **kwargs):
    label = sender._meta.label_lower
    if raw or label not in AUDITED:
        return
    if update_fields is not None and (label, frozenset(update_fields)) in IGNORED_UPDATES:
        return
    audit_record(action=AuditAction.CREATE if created else AuditAction.CHANGE, obj=instance)


@receiver(post_delete)
def record_delete(sender, instance, **kwargs):
    if sender._meta.label_lower in AUDITED:
        audit_record(action=AuditAction.DELETE, obj=instance)


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

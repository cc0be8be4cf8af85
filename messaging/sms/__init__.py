"""SMS backends, chosen by SMS_BACKEND: console, file or brevo (or a dotted path)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import RefusedError, SmsBackend, SmsError, TemporaryError, UnknownResultError

BACKENDS = {
    "console": "messaging.sms.console.ConsoleBackend",
    "file": "messaging.sms.file.FileBackend",
    "brevo": "messaging.sms.brevo.BrevoBackend",
}

__all__ = ["RefusedError", "SmsBackend", "SmsError", "TemporaryError", "UnknownResultError", "sms_backend"]


def sms_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    path = BACKENDS.get(name, name)
    if "." not in path:
        raise ImproperlyConfigured(f"SMS_BACKEND : « {name} » inconnu (console, file ou brevo).")
    return import_string(path)()

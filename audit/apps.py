from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: who did what, when, on which object — never names or notes.

    The bottom layer: it imports nothing of the other apps. Their tables'
    writes are recorded by database triggers (migration 0003, which names the
    tables); reads and the summary of bulk actions by the views and services
    that call `audit_record`; logins by signals.
    """

    name = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from . import signals  # noqa: F401
        from .context import name_commands

        name_commands()

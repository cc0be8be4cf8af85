from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail: who did what, when, on which object — never names or notes.

    The bottom layer: it imports nothing of the other apps, which it records
    through signals and their `audit_*` methods.
    """

    name = "audit"
    verbose_name = "Journal d'audit"

    def ready(self):
        from . import signals  # noqa: F401

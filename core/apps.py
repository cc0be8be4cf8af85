from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses and no domain: base models, one-time form tokens,
    PDF rendering, roles, accounts and sessions, backups."""

    name = "core"
    verbose_name = "Socle commun"

    def ready(self):
        from . import accounts  # noqa: F401  (signal receivers)

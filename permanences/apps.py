from django.apps import AppConfig


class PermanencesConfig(AppConfig):
    name = "permanences"
    verbose_name = "Territoire et permanences"

    def ready(self):
        from . import accounts  # noqa: F401  (signal receivers)

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Fictitious demonstration data, on top of every other app."""

    name = "demo"
    verbose_name = "Démonstration"

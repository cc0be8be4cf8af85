from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks of the search, the import and the bilan (docs/BENCHMARKS.md).

    On top of every other app, imported by none, and installed by the test
    settings only (config/test_settings.py), never in production.
    """

    name = "bench"
    verbose_name = "Bancs d'essai"

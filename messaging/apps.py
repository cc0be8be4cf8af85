from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages aux personnes"

    def ready(self):
        from beneficiaries.signals import file_anonymised, files_merged, workshop_cancelled
        from permanences.signals import permanence_cancelled

        from . import checks, handlers  # noqa: F401 (checks: registered on import)
        from .timeline import register_source

        permanence_cancelled.connect(handlers.on_permanence_cancelled, dispatch_uid="messaging-permanence")
        workshop_cancelled.connect(handlers.on_workshop_cancelled, dispatch_uid="messaging-workshop")
        file_anonymised.connect(handlers.on_file_anonymised, dispatch_uid="messaging-anonymised")
        files_merged.connect(handlers.on_files_merged, dispatch_uid="messaging-merged")
        # The file's messages in its timeline.
        register_source()

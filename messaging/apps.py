from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages aux personnes"

    def ready(self):
        from .timeline import register_source

        register_source()

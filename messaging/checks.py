"""System checks of the messages' settings: a wrong SMS backend is said at start-up,
not by failed messages; `check --deploy` says when the e-mails' links would lead nowhere."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .sms import sms_backend

LOCAL_SITE = "http://127.0.0.1:8000"


@register("messaging")
def check_sms_backend(app_configs, **kwargs):
    try:
        sms_backend()
    except (ImproperlyConfigured, ImportError) as error:
        return [Error(str(error), id="messaging.E001")]
    return []


@register("messaging", deploy=True)
def check_site_url(app_configs, **kwargs):
    if settings.SITE_URL == LOCAL_SITE:
        return [
            Warning(
                "SITE_URL n'est pas réglé : les liens des courriels (retrait de l'accord) mèneraient "
                "à 127.0.0.1.",
                hint="Réglez SITE_URL sur l'adresse publique du site (voir README, Configuration).",
                id="messaging.W001",
            )
        ]
    return []

from django.db import models

from beneficiaries.enums import Channel

__all__ = ["Channel", "Kind", "Status"]


class Kind(models.TextChoices):
    """What a message is about. Only the texts of these kinds are ever sent."""

    APPOINTMENT_REMINDER = "appointment_reminder", "Rappel de rendez-vous de suivi"
    WORKSHOP_REMINDER = "workshop_reminder", "Rappel d'atelier"
    SESSION_CANCELLED = "session_cancelled", "Permanence annulée"
    WORKSHOP_CANCELLED = "workshop_cancelled", "Atelier annulé"
    ONE_OFF = "one_off", "Message d'un conseiller"


class Status(models.TextChoices):
    QUEUED = "queued", "En attente"
    # Claimed by a worker, which is handing it to the provider. A message left
    # in this state (the worker died) is never sent again: at most once.
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    DELIVERED = "delivered", "Remis"
    FAILED = "failed", "Échec"
    # Not sent, on purpose: consent withdrawn, file anonymised, appointment cancelled…
    CANCELLED = "cancelled", "Non envoyé"

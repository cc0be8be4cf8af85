"""Base models every app builds on, and the one-time tokens of create forms."""

from django.conf import settings
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(TimestampedModel):
    """Who created and last changed a row (never copied into logs)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifié par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class FormSubmission(models.Model):
    """One accepted submission of a create form, keyed by a token the form carries.

    A double click, a replayed POST or the back button sends the same token
    again: the second request finds it here and is sent to what the first one
    created, instead of creating it twice.
    """

    key = models.UUIDField("jeton", primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField("reçu le", auto_now_add=True)
    result_url = models.CharField("page du résultat", max_length=255, blank=True)

    class Meta:
        verbose_name = "envoi de formulaire"
        verbose_name_plural = "envois de formulaires"

    def __str__(self) -> str:
        return str(self.key)

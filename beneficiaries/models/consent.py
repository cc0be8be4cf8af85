"""Consent to messages, per channel, on the file (beneficiaries/consent.py writes it)."""

from django.conf import settings
from django.db import models


class ConsentFields(models.Model):
    """When and by whom each channel's consent was recorded; empty: no consent, nothing
    is ever sent on that channel (messaging/)."""

    sms_consent_at = models.DateTimeField("accepte les SMS depuis le", null=True, blank=True, editable=False)
    sms_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accord SMS noté par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    email_consent_at = models.DateTimeField(
        "accepte les courriels depuis le", null=True, blank=True, editable=False
    )
    email_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accord courriel noté par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

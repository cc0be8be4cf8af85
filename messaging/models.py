"""Messages to persons (reminders, cancellation notices, a counsellor's message)
and the texts they are written from.

A message is a row before it is sent: queued with the text it will carry, then
claimed by one worker, handed to the provider and recorded (messaging/sending.py).
`dedup_key` names the reason of an automatic message (an appointment's reminder,
a session's cancellation…), so that queuing it twice gives one row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from beneficiaries.models import Beneficiary
from core.models import TimestampedModel

from .enums import Channel, Kind, Status


class MessageQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("beneficiary").order_by("-created_at", "-pk")

    def of_file(self, beneficiary: Beneficiary):
        return self.filter(beneficiary=beneficiary)


class Message(TimestampedModel):
    # Text that anonymisation empties (it carries the person's first name).
    FREE_TEXT = ("subject", "body")

    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField("canal", max_length=5, choices=Channel.choices)
    kind = models.CharField("objet", max_length=30, choices=Kind.choices)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.QUEUED)
    dedup_key = models.CharField(
        "motif unique",
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Le motif d'un message automatique (un rendez-vous, une annulation…) : "
        "le même motif ne donne jamais deux messages sur le même canal.",
    )
    subject = models.CharField("sujet", max_length=200, blank=True)
    body = models.TextField("texte")
    send_after = models.DateTimeField(
        "à envoyer à partir de",
        default=timezone.now,
        help_text="Heures calmes et nouvel essai après une erreur du prestataire.",
    )
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    last_error = models.CharField("dernière erreur", max_length=255, blank=True)
    provider_ref = models.CharField("référence du prestataire", max_length=100, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    status_at = models.DateTimeField("état au", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="écrit par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="message_due_idx"),
            models.Index(fields=["provider_ref"], name="message_provider_ref_idx"),
            models.Index(fields=["beneficiary", "-created_at"], name="message_file_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values),
                name="message_channel_valid",
                violation_error_message="Canal inconnu : SMS ou courriel.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values),
                name="message_kind_valid",
                violation_error_message="Objet de message inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="message_status_valid",
                violation_error_message="État de message inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()}, {self.get_status_display()})"

    def audit_file_ref(self) -> str:
        return self.beneficiary.ref


class MessageTemplateQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("updated_by")


class MessageTemplate(models.Model):
    """The text of one kind of message on one channel, edited by coordination on the page
    "Textes des messages" (and by admins in the admin), through texts_services.py.

    Placeholders between braces (messaging/texts.py lists them) are replaced
    when the message is queued; nothing else about the person is ever added.
    """

    kind = models.CharField("objet", max_length=30, choices=Kind.choices)
    channel = models.CharField("canal", max_length=5, choices=Channel.choices)
    subject = models.CharField("sujet (courriel)", max_length=200, blank=True)
    body = models.TextField("texte")
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifié par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MessageTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "texte de message"
        verbose_name_plural = "textes des messages"
        ordering = ["kind", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel"],
                name="message_template_unique",
                violation_error_message="Ce texte existe déjà pour cet objet et ce canal.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()}"

"""Sessions: one dated opening of a venue, planned from a weekly slot or added by hand."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import TimestampedModel

from ..enums import PermanenceStatus
from .territory import Venue, WeeklySlot


class PermanenceQuerySet(models.QuerySet):
    def held(self):
        return self.filter(status=PermanenceStatus.HELD)

    def on(self, day):
        return self.filter(date=day)

    def for_listing(self):
        """What a list of sessions shows: venue, quarter and counsellors."""
        return self.select_related("venue__quarter").prefetch_related("counsellors")

    def coming(self, today):
        return self.filter(date__gte=today)

    def past_planned(self, today):
        """Sessions of past days still "planned": whether they took place was never recorded."""
        return self.filter(status=PermanenceStatus.PLANNED, date__lt=today)

    def generated(self):
        """Sessions the planning made from a slot (perhaps deleted since) and nobody
        changed since: the planning may bring them in line with their slot, or remove them."""
        return self.filter(slot_date__isnull=False, changed_by_hand_at__isnull=True)


class Permanence(TimestampedModel):
    venue = models.ForeignKey(
        Venue, verbose_name="lieu d'accueil", on_delete=models.PROTECT, related_name="permanences"
    )
    date = models.DateField("date")
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    counsellors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="conseillers",
        blank=True,
        related_name="permanences",
    )
    status = models.CharField(
        "statut", max_length=12, choices=PermanenceStatus.choices, default=PermanenceStatus.PLANNED
    )
    cancel_reason = models.CharField("motif d'annulation", max_length=255, blank=True)
    slot = models.ForeignKey(
        WeeklySlot,
        verbose_name="créneau d'origine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="permanences",
        help_text="Vide pour une permanence ouverte ponctuellement.",
    )
    # Null columns without a default: SQLite adds them without rebuilding the
    # table (which would drop the attendance triggers on it).
    slot_date = models.DateField(
        "jour prévu par le créneau",
        null=True,
        blank=True,
        help_text="Le jour du créneau dont la permanence est issue, même si elle a été déplacée "
        "depuis : la planification ne la recrée pas ce jour-là.",
    )
    changed_by_hand_at = models.DateTimeField(
        "modifiée à la main le",
        null=True,
        blank=True,
        help_text="Date de la dernière modification faite à la main (planning, administration, "
        "« Ma permanence ») : la planification automatique ne touche plus jamais cette permanence.",
    )

    objects = PermanenceQuerySet.as_manager()

    class Meta:
        verbose_name = "permanence"
        verbose_name_plural = "permanences"
        ordering = ["-date", "start_time", "venue__name"]
        indexes = [models.Index(fields=["date", "venue"], name="permanence_date_venue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "date", "start_time"],
                name="permanence_unique_venue_date_start",
                violation_error_message="Une permanence commence déjà à cette heure dans ce lieu ce jour-là.",
            ),
            models.UniqueConstraint(
                fields=["slot", "slot_date"],
                condition=Q(slot_date__isnull=False),
                name="permanence_unique_slot_occurrence",
                violation_error_message="Ce créneau a déjà sa permanence ce jour-là.",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="permanence_end_after_start",
                violation_error_message="L'heure de fin doit être après l'heure de début.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PermanenceStatus.values),
                name="permanence_status_valid",
                violation_error_message="Statut de permanence inconnu.",
            ),
            models.CheckConstraint(
                condition=~Q(status=PermanenceStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="permanence_cancel_has_reason",
                violation_error_message="Indiquez le motif de l'annulation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} — {self.date:%d/%m/%Y} {self.start_time:%H:%M}"

    def clean(self):
        super().clean()
        # Its visits follow a session moved to another day (reporting's
        # triggers), and no visit may be dated in the future.
        if self.pk and self.date and self.date > timezone.localdate() and self.has_visits():
            raise ValidationError(
                {
                    "date": "Des rendez-vous ont déjà été notés à cette permanence : "
                    "elle ne peut pas être déplacée à une date à venir."
                }
            )

    def has_visits(self) -> bool:
        # The visits live in the beneficiaries app, above this one: reached
        # through the reverse relation, without importing it.
        return self.visits.exists()

    @property
    def is_cancelled(self) -> bool:
        return self.status == PermanenceStatus.CANCELLED

    @property
    def is_planned(self) -> bool:
        return self.status == PermanenceStatus.PLANNED

    @property
    def is_moved(self) -> bool:
        """Planned from a slot for another day than the one it now falls on."""
        return self.slot_date is not None and self.slot_date != self.date

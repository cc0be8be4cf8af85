"""Collective workshops (ateliers): a theme, a venue, a date and times, a number of
places and who runs it; the persons registered from their files or added at the
door, their attendance, and the waiting list past the capacity.

A workshop is never an individual appointment: the bilan counts it beside the
council grid (docs/BILAN.md, `workshops`), never in `persons` or `appointments`.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When

from core.models import AuditedModel
from permanences.models import Venue

from ..bounds import EARLIEST_ACTIVITY, FACILITATOR_NAME_MAX_LENGTH, MAX_CAPACITY, MIN_CAPACITY
from ..enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from .activity import FileRow, ReferenceItem


class WorkshopTheme(ReferenceItem):
    """Reference list of what workshops are about, managed in the admin."""

    class Meta(ReferenceItem.Meta):
        verbose_name = "thème d'atelier"
        verbose_name_plural = "thèmes d'ateliers"


_REGISTERED = Q(registrations__status=RegistrationStatus.REGISTERED)


class WorkshopQuerySet(models.QuerySet):
    def for_listing(self):
        """What a list of workshops shows: theme, venue, who runs it, places taken,
        waiting list and persons present (three counts in the same query)."""
        return self.select_related("theme", "venue", "facilitator").annotate(
            places_taken=Count("registrations", filter=_REGISTERED),
            waiting=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)),
            present=Count(
                "registrations", filter=_REGISTERED & Q(registrations__attendance=AttendanceMark.PRESENT)
            ),
        )

    def open_on(self, day: datetime.date):
        """Workshops a person can still be registered for: not cancelled, from `day` on."""
        return self.filter(status=WorkshopStatus.PLANNED, date__gte=day)


class Workshop(AuditedModel):
    theme = models.ForeignKey(
        WorkshopTheme, verbose_name="thème", on_delete=models.PROTECT, related_name="workshops"
    )
    venue = models.ForeignKey(Venue, verbose_name="lieu", on_delete=models.PROTECT, related_name="workshops")
    date = models.DateField("date")
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    capacity = models.PositiveSmallIntegerField(
        "capacité", help_text=f"Nombre de places, de {MIN_CAPACITY} à {MAX_CAPACITY}."
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="animé par (conseiller·ère)",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops_facilitated",
    )
    facilitator_name = models.CharField(
        "animé par (intervenant·e d'un partenaire)",
        max_length=FACILITATOR_NAME_MAX_LENGTH,
        blank=True,
        help_text="Nom de l'intervenant·e et de sa structure, quand l'atelier n'est pas animé par "
        "un conseiller ou une conseillère.",
    )
    status = models.CharField(
        "statut", max_length=12, choices=WorkshopStatus.choices, default=WorkshopStatus.PLANNED
    )
    cancel_reason = models.CharField("motif d'annulation", max_length=255, blank=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = "atelier"
        verbose_name_plural = "ateliers"
        ordering = ["-date", "start_time"]
        indexes = [models.Index(fields=["date"], name="workshop_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "date", "start_time"],
                name="workshop_unique_venue_date_start",
                violation_error_message="Un atelier commence déjà à cette heure dans ce lieu ce jour-là.",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="workshop_end_after_start",
                violation_error_message="L'heure de fin doit être après l'heure de début.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=MIN_CAPACITY, capacity__lte=MAX_CAPACITY),
                name="workshop_capacity_plausible",
                violation_error_message=f"La capacité doit être comprise entre {MIN_CAPACITY} et "
                f"{MAX_CAPACITY} places.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=WorkshopStatus.values),
                name="workshop_status_valid",
                violation_error_message="Statut d'atelier inconnu.",
            ),
            models.CheckConstraint(
                condition=~Q(status=WorkshopStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="workshop_cancel_has_reason",
                violation_error_message="Indiquez le motif de l'annulation.",
            ),
            models.CheckConstraint(
                condition=Q(facilitator__isnull=True) | Q(facilitator_name=""),
                name="workshop_one_facilitator",
                violation_error_message="Indiquez un conseiller ou le nom d'un intervenant, pas les deux.",
            ),
            models.CheckConstraint(
                condition=Q(date__gte=EARLIEST_ACTIVITY),
                name="workshop_date_plausible",
                violation_error_message="Date de l'atelier invraisemblable.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme} — {self.venue}, {self.date:%d/%m/%Y} {self.start_time:%H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == WorkshopStatus.CANCELLED


class RegistrationQuerySet(models.QuerySet):
    def with_place(self):
        return self.filter(status=RegistrationStatus.REGISTERED)

    def waiting(self):
        """The waiting list, first come first served."""
        return self.filter(status=RegistrationStatus.WAITING).order_by("pk")

    def in_order(self):
        """Those with a place by name, then the waiting list in its order: as the
        workshop's page lists them."""
        rank = Case(When(status=RegistrationStatus.WAITING, then=F("pk")), default=Value(0))
        return self.select_related("beneficiary").order_by("status", rank, "beneficiary__search_key", "pk")


class WorkshopRegistration(FileRow):
    """A person registered for a workshop: with a place, or on its waiting list; and,
    once the workshop has taken place, whether they came."""

    workshop = models.ForeignKey(
        Workshop, verbose_name="atelier", on_delete=models.PROTECT, related_name="registrations"
    )
    beneficiary = models.ForeignKey(
        "Beneficiary",
        verbose_name="personne",
        on_delete=models.PROTECT,
        related_name="workshop_registrations",
    )
    status = models.CharField(
        "inscription",
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    attendance = models.CharField(
        "présence",
        max_length=10,
        choices=AttendanceMark.choices,
        blank=True,
        default=AttendanceMark.NOT_MARKED,
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription à un atelier"
        verbose_name_plural = "inscriptions aux ateliers"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "beneficiary"],
                name="registration_one_per_person_per_workshop",
                violation_error_message="Cette personne est déjà inscrite à cet atelier.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values),
                name="registration_status_valid",
                violation_error_message="Inscription inconnue : une place ou la liste d'attente.",
            ),
            models.CheckConstraint(
                condition=Q(attendance__in=AttendanceMark.values),
                name="registration_attendance_valid",
                violation_error_message="Présence inconnue : présent·e, absent·e ou excusé·e.",
            ),
            models.CheckConstraint(
                condition=Q(status=RegistrationStatus.REGISTERED) | Q(attendance=AttendanceMark.NOT_MARKED),
                name="registration_waiting_not_marked",
                violation_error_message="Une personne en liste d'attente n'a pas de place : "
                "sa présence ne se note pas.",
            ),
        ]

    def __str__(self) -> str:
        return f"Inscription à l'atelier du {self.workshop.date:%d/%m/%Y}"

    @property
    def has_place(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED

"""The territory: quarters, the venues in them, and each venue's weekly slots."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from core.models import TimestampedModel

from ..enums import VenueKind, Weekday


class Quarter(TimestampedModel):
    name = models.CharField("nom", max_length=120)
    is_priority = models.BooleanField(
        "quartier prioritaire (QPV)",
        default=False,
        help_text="Quartier prioritaire de la politique de la ville.",
    )
    qpv_code = models.CharField(
        "code QPV",
        max_length=20,
        blank=True,
        help_text="Code officiel du quartier prioritaire, s'il est connu (ex. QN09301M).",
    )

    class Meta:
        verbose_name = "quartier"
        verbose_name_plural = "quartiers"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="quarter_name_unique_ci",
                violation_error_message="Un quartier porte déjà ce nom.",
            ),
            models.CheckConstraint(
                condition=Q(qpv_code="") | Q(is_priority=True),
                name="quarter_qpv_code_only_if_priority",
                violation_error_message="Un code QPV ne peut être saisi que pour un quartier prioritaire.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VenueQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Venue(TimestampedModel):
    name = models.CharField("nom", max_length=150)
    kind = models.CharField(
        "type de lieu", max_length=30, choices=VenueKind.choices, default=VenueKind.CENTRE_SOCIAL
    )
    quarter = models.ForeignKey(
        Quarter, verbose_name="quartier", on_delete=models.PROTECT, related_name="venues"
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_example = models.BooleanField(
        "donnée d'exemple",
        default=False,
        help_text="Lieu d'exemple créé à l'installation : à renommer ou remplacer par le lieu réel.",
    )
    access_info = models.CharField(
        "accès",
        max_length=255,
        blank=True,
        help_text="Publié sur la page publique et l'affiche : transports, entrée, accessibilité "
        "(ex. « Métro Croix de Chavaux, entrée par la cour »).",
    )
    publish_counsellors = models.BooleanField(
        "publier les noms des conseillers",
        default=False,
        help_text="Si la case est cochée, les noms des conseillers des créneaux de ce lieu "
        "apparaissent sur la page publique et l'affiche. Sinon, aucun nom n'est publié.",
    )

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu d'accueil"
        verbose_name_plural = "lieux d'accueil"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="venue_name_unique_ci",
                violation_error_message="Un lieu d'accueil porte déjà ce nom.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=VenueKind.values),
                name="venue_kind_valid",
                violation_error_message="Type de lieu inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (self.address, town) if part)


class WeeklySlotQuerySet(models.QuerySet):
    def valid_during(self, start, end):
        """Slots of active venues valid on at least one day of [start, end]."""
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=start),
            venue__is_active=True,
            valid_from__lte=end,
        )

    def for_listing(self):
        return self.select_related("venue__quarter").prefetch_related("counsellors")


class WeeklySlot(TimestampedModel):
    venue = models.ForeignKey(
        Venue, verbose_name="lieu d'accueil", on_delete=models.CASCADE, related_name="slots"
    )
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    counsellors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="conseillers",
        blank=True,
        related_name="weekly_slots",
    )
    valid_from = models.DateField("valable à partir du")
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)

    objects = WeeklySlotQuerySet.as_manager()

    class Meta:
        verbose_name = "créneau hebdomadaire"
        verbose_name_plural = "créneaux hebdomadaires"
        ordering = ["venue__name", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="slot_end_after_start",
                violation_error_message="L'heure de fin doit être après l'heure de début.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="slot_validity_ordered",
                violation_error_message="La fin de validité doit suivre le début de validité.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="slot_weekday_valid",
                violation_error_message="Jour de la semaine inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} — {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def dates_between(self, start: datetime.date, end: datetime.date):
        """The dates of [start, end] on which this slot opens, in order."""
        first = max(start, self.valid_from)
        last = end if self.valid_until is None else min(end, self.valid_until)
        day = first + datetime.timedelta(days=(self.weekday - first.weekday()) % 7)
        while day <= last:
            yield day
            day += datetime.timedelta(weeks=1)

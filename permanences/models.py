from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .enums import PermanenceStatus, VenueKind, Weekday


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


class WeeklySlotQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Slots of active venues that open on this date."""
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            venue__is_active=True,
            weekday=day.weekday(),
            valid_from__lte=day,
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


class PermanenceQuerySet(models.QuerySet):
    def held(self):
        return self.filter(status=PermanenceStatus.HELD)

    def in_year(self, year: int):
        return self.filter(date__year=year)

    def on(self, day):
        return self.filter(date=day)

    def for_listing(self):
        """What a list of sessions shows: venue, quarter and counsellors."""
        return self.select_related("venue__quarter").prefetch_related("counsellors")


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

    def has_visits(self) -> bool:
        # The visits live in the beneficiaries app, above this one: reached
        # through the reverse relation, without importing it.
        return self.visits.exists()

    @property
    def is_cancelled(self) -> bool:
        return self.status == PermanenceStatus.CANCELLED


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

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import TimestampedModel

from .enums import PermanenceStatus, VenueKind, Weekday


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


class PermanenceQuerySet(models.QuerySet):
    def held(self):
        return self.filter(status=PermanenceStatus.HELD)

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


PUBLIC_INFO_PK = 1


class PublicInfoQuerySet(models.QuerySet):
    def current(self) -> "PublicInfo":
        """The texts an admin has saved, or the default texts (nothing is written)."""
        return self.filter(pk=PUBLIC_INFO_PK).first() or PublicInfo(pk=PUBLIC_INFO_PK)


class PublicInfo(TimestampedModel):
    """The texts of the public schedule, the posters and the calendar feeds (one row).

    List fields hold one item a line, so that an admin edits them as plain text.
    """

    organiser = models.CharField(
        "organisé par",
        max_length=200,
        blank=True,
        help_text="Qui tient les permanences, ex. « Association Aurore, avec la Ville de Montreuil ».",
    )
    introduction = models.TextField(
        "présentation",
        default="Un accueil gratuit, sans rendez-vous, au cœur des quartiers : une conseillère ou un "
        "conseiller emploi vous reçoit, vous écoute et vous accompagne dans vos démarches.",
    )
    services = models.TextField(
        "ce que propose la permanence",
        help_text="Un élément par ligne.",
        default="Faire le point sur votre projet professionnel\n"
        "Rédiger ou mettre à jour votre CV et vos lettres de motivation\n"
        "Chercher des offres d'emploi et de formation\n"
        "Vous aider dans vos démarches en ligne (France Travail, candidatures)\n"
        "Préparer un entretien d'embauche\n"
        "Vous orienter vers le bon service partenaire",
    )
    what_to_bring = models.TextField(
        "à apporter",
        help_text="Un élément par ligne.",
        default="Une pièce d'identité ou un titre de séjour\n"
        "Votre CV, si vous en avez un\n"
        "Votre identifiant France Travail, si vous êtes inscrit·e\n"
        "Les courriers ou offres d'emploi dont vous voulez parler",
    )
    partners = models.TextField(
        "services partenaires",
        help_text="Un élément par ligne.",
        default="France Travail\n"
        "Mission locale (16–25 ans)\n"
        "Cap emploi (personnes en situation de handicap)\n"
        "PLIE (plan local pour l'insertion et l'emploi)\n"
        "Service RSA du Département\n"
        "Structures d'insertion par l'activité économique\n"
        "Organismes de formation",
    )
    contact = models.CharField(
        "contact",
        max_length=255,
        blank=True,
        help_text="Coordonnées publiques de l'association (jamais celles d'une personne accompagnée).",
    )
    # The register of processing and the information notice (RGPD) show these.
    controller = models.CharField(
        "responsable du traitement",
        max_length=255,
        blank=True,
        help_text="Registre des traitements et notice d'information : nom et adresse de l'organisme "
        "responsable des dossiers (en général l'association qui tient les permanences).",
    )
    dpo_contact = models.CharField(
        "contact du délégué à la protection des données",
        max_length=255,
        blank=True,
        help_text="Registre des traitements et notice d'information : adresse postale ou courriel "
        "auquel les personnes exercent leurs droits.",
    )
    other_recipients = models.TextField(
        "autres destinataires",
        blank=True,
        help_text="Registre des traitements : destinataires des données en plus des utilisateurs de "
        "l'application (ex. un hébergeur), un par ligne.",
    )

    objects = PublicInfoQuerySet.as_manager()

    class Meta:
        verbose_name = "informations publiques"
        verbose_name_plural = "informations publiques"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=PUBLIC_INFO_PK),
                name="public_info_single_row",
                violation_error_message="Les informations publiques tiennent en une seule fiche.",
            ),
        ]

    def __str__(self) -> str:
        return "Informations publiques"

    def save(self, *args, **kwargs):
        self.pk = PUBLIC_INFO_PK
        super().save(*args, **kwargs)

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def service_list(self) -> list[str]:
        return self._lines(self.services)

    @property
    def what_to_bring_list(self) -> list[str]:
        return self._lines(self.what_to_bring)

    @property
    def partner_list(self) -> list[str]:
        return self._lines(self.partners)

    @property
    def other_recipient_list(self) -> list[str]:
        return self._lines(self.other_recipients)

"""What was done with a person: visits during a session, referrals to partners,
outcomes (jobs and trainings), and the topics a visit is about."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from core.models import AuditedModel
from permanences.models import Permanence

from ..bounds import EARLIEST_ACTIVITY, MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, NOTES_MAX_LENGTH
from ..db import DatabaseTomorrow
from ..enums import OutcomeKind, Partner, ReferralChannel, ReferralStatus, VisitKind, WorkingTime


class ReferenceItem(models.Model):
    """An item of a reference list that admins edit: a code (used by the import),
    a label, its place in the forms, and whether the forms still offer it."""

    code = models.SlugField("code", max_length=40, unique=True)
    label = models.CharField("libellé", max_length=100)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_active = models.BooleanField("proposé dans les formulaires", default=True)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Topic(ReferenceItem):
    """Reference list of what a visit was about (CV, training, RSA…)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = "thème d'entretien"
        verbose_name_plural = "thèmes d'entretien"


class VisitQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_derived_fields()
        return super().bulk_create(objs, *args, **kwargs)

    def for_timeline(self):
        """Where, by whom, about what: what a list of visits shows."""
        return self.select_related("permanence__venue", "counsellor").prefetch_related("topics", "referrals")

    def next_steps_due(self, day: datetime.date):
        return self.filter(
            next_step_due__lte=day, next_step_done_on__isnull=True, beneficiary__anonymised_at__isnull=True
        ).exclude(next_step="")


# Why nothing can be written to an anonymised file any more (views, services,
# model validation and the database say it: migration 0014).
ANONYMISED_READ_ONLY = (
    "Ce dossier est anonymisé : il ne contient plus d'identité et ne peut plus être modifié "
    "(ni rendez-vous, ni orientation, ni sortie)."
)


class FileRow(AuditedModel):
    """A row of a person's file (visit, referral, outcome)."""

    # Free text that anonymisation empties and that an anonymised file never holds again.
    FREE_TEXT: tuple[str, ...] = ()

    # Optimistic locking of corrections, as on Beneficiary: every write of the
    # app's services adds one; a correction sent with an older one is a conflict.
    version = models.PositiveIntegerField("version", default=1, editable=False)

    class Meta:
        abstract = True

    def audit_file_ref(self) -> str:
        return self.beneficiary.ref

    def clean(self):
        super().clean()
        filled = any(getattr(self, name) for name in self.FREE_TEXT)
        if filled and self.beneficiary_id and self.beneficiary.anonymised_at is not None:
            raise ValidationError(ANONYMISED_READ_ONLY)


class Visit(FileRow):
    beneficiary = models.ForeignKey(
        "Beneficiary", verbose_name="personne", on_delete=models.PROTECT, related_name="visits"
    )
    permanence = models.ForeignKey(
        Permanence, verbose_name="permanence", on_delete=models.PROTECT, related_name="visits"
    )
    # A copy of the permanence's date, so that yearly counts need no join.
    date = models.DateField("date", editable=False)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="reçu·e par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    kind = models.CharField(
        "type d'entretien", max_length=20, choices=VisitKind.choices, default=VisitKind.FOLLOW_UP
    )
    topics = models.ManyToManyField(Topic, verbose_name="thèmes", blank=True, related_name="visits")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", null=True, blank=True)
    notes = models.TextField(
        "notes",
        max_length=NOTES_MAX_LENGTH,
        blank=True,
        help_text="Faits objectifs uniquement : aucune information de santé ni de vie privée.",
    )
    next_step = models.CharField("prochaine étape", max_length=255, blank=True)
    next_step_due = models.DateField("échéance de la prochaine étape", null=True, blank=True)
    next_step_done_on = models.DateField("prochaine étape faite le", null=True, blank=True)

    FREE_TEXT = ("notes", "next_step")

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous individuel"
        verbose_name_plural = "rendez-vous individuels"
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["date"], name="visit_date_idx"),
            models.Index(fields=["beneficiary", "date"], name="visit_beneficiary_date_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "permanence"],
                name="visit_one_per_person_per_permanence",
                violation_error_message="Cette personne a déjà un rendez-vous dans cette permanence.",
            ),
            models.CheckConstraint(
                condition=Q(date__lte=DatabaseTomorrow()),
                name="visit_not_in_future",
                violation_error_message="Un rendez-vous ne peut pas être daté dans le futur.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=MIN_DURATION_MINUTES, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="visit_duration_plausible",
                violation_error_message="La durée doit être comprise entre 1 et 600 minutes.",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("notes"), NOTES_MAX_LENGTH),
                name="visit_notes_short",
                violation_error_message="Les notes ne doivent pas dépasser 2 000 caractères.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=VisitKind.values),
                name="visit_kind_valid",
                violation_error_message="Type d'entretien inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(next_step_due__isnull=True) | ~Q(next_step=""),
                name="visit_due_date_needs_next_step",
                violation_error_message="Décrivez la prochaine étape avant de lui donner une échéance.",
            ),
        ]

    def __str__(self) -> str:
        return f"Rendez-vous du {self.date:%d/%m/%Y}"

    def fill_derived_fields(self) -> None:
        self.date = self.permanence.date

    def clean(self):
        super().clean()
        # The date is copied from the permanence, hence not a form field: the
        # constraints on it are checked here for forms and the admin.
        if self.permanence_id and self.permanence.date > timezone.localdate():
            raise ValidationError(
                {"permanence": "Un rendez-vous ne peut pas être enregistré dans une permanence à venir."}
            )

    def save(self, **kwargs):
        self.fill_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "permanence" in update_fields:
            kwargs["update_fields"] = {*update_fields, "date"}
        super().save(**kwargs)


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ReferralStatus.PROPOSED)

    def awaiting_result(self, day: datetime.date, *, days: int = 15):
        """Proposed more than `days` days before `day`, and no result known yet."""
        return self.open().filter(
            proposed_on__lt=day - datetime.timedelta(days=days), beneficiary__anonymised_at__isnull=True
        )


class Referral(FileRow):
    beneficiary = models.ForeignKey(
        "Beneficiary", verbose_name="personne", on_delete=models.PROTECT, related_name="referrals"
    )
    # A visit's referrals go with it when it is deleted: none is left without its visit.
    visit = models.ForeignKey(
        Visit,
        verbose_name="rendez-vous",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals",
    )
    channel = models.CharField(
        "canal",
        max_length=15,
        choices=ReferralChannel.choices,
        blank=True,
        help_text="Pour une orientation proposée hors rendez-vous : par téléphone, par courriel…",
    )
    partner = models.CharField("partenaire", max_length=30, choices=Partner.choices)
    detail = models.CharField(
        "précision", max_length=255, blank=True, help_text="Nom de la structure, de l'action…"
    )
    proposed_on = models.DateField("proposée le")
    status = models.CharField(
        "suite donnée", max_length=15, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    checked_on = models.DateField("suite vérifiée le", null=True, blank=True)

    FREE_TEXT = ("detail",)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        verbose_name_plural = "orientations"
        ordering = ["-proposed_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "proposed_on"], name="referral_status_date_idx"),
            # The bilan counts a year's referrals of each partner and result from the index alone.
            models.Index(fields=["partner", "status", "proposed_on"], name="referral_partner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__in=Partner.values),
                name="referral_partner_valid",
                violation_error_message="Partenaire inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values),
                name="referral_status_valid",
                violation_error_message="Suite d'orientation inconnue.",
            ),
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.PROPOSED) | Q(checked_on__isnull=False),
                name="referral_result_has_date",
                violation_error_message="Indiquez la date à laquelle la suite a été vérifiée.",
            ),
            models.CheckConstraint(
                condition=Q(checked_on__isnull=True) | Q(checked_on__gte=F("proposed_on")),
                name="referral_checked_after_proposed",
                violation_error_message="La suite ne peut pas être vérifiée avant la proposition.",
            ),
            models.CheckConstraint(
                condition=Q(proposed_on__lte=DatabaseTomorrow()),
                name="referral_not_in_future",
                violation_error_message="Une orientation ne peut pas être datée dans le futur.",
            ),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=ReferralChannel.values),
                name="referral_channel_valid",
                violation_error_message="Canal d'orientation inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(channel="") | Q(visit__isnull=True),
                name="referral_channel_outside_visit",
                violation_error_message="Une orientation d'un rendez-vous n'a pas d'autre canal que lui.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_partner_display()} ({self.proposed_on:%d/%m/%Y})"


class Outcome(FileRow):
    beneficiary = models.ForeignKey(
        "Beneficiary", verbose_name="personne", on_delete=models.PROTECT, related_name="outcomes"
    )
    kind = models.CharField("situation", max_length=20, choices=OutcomeKind.choices)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    working_time = models.CharField(
        "temps de travail", max_length=15, choices=WorkingTime.choices, blank=True
    )
    employer = models.CharField(
        "employeur ou organisme de formation",
        max_length=255,
        blank=True,
        help_text="Avec, si utile, l'intitulé du poste ou de la formation.",
    )

    FREE_TEXT = ("employer",)

    class Meta:
        verbose_name = "sortie"
        verbose_name_plural = "sorties"
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["start_date"], name="outcome_start_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OutcomeKind.values),
                name="outcome_kind_valid",
                violation_error_message="Type de sortie inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="outcome_end_after_start",
                violation_error_message="La date de fin doit être égale ou postérieure à la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(working_time__in=WorkingTime.values),
                name="outcome_working_time_valid",
                violation_error_message="Temps de travail inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=EARLIEST_ACTIVITY),
                name="outcome_start_plausible",
                violation_error_message="Date de début invraisemblable.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} à partir du {self.start_date:%d/%m/%Y}"

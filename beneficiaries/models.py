import datetime
import re

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Length, Replace
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from core.models import AuditedModel
from permanences.models import Permanence, Quarter

from .db import DatabaseTomorrow
from .enums import (
    ExportContent,
    OutcomeKind,
    Partner,
    QualificationLevel,
    ReferralStatus,
    Sex,
    TriState,
    VisitKind,
    WorkingTime,
)
from .normalise import looks_like_phone, normalise, normalise_phone, phone_digits, search_key

NOTES_MAX_LENGTH = 2000
NAME_FIELDS = frozenset({"last_name", "first_name"})


class RefSequence(models.Model):
    """Last sequence number handed out for file references of one year.

    A counter, not MAX(ref) + 1, so that a deleted file's reference is never
    given again.
    """

    year = models.PositiveSmallIntegerField("année", primary_key=True)
    last = models.PositiveIntegerField("dernier numéro", default=0)

    class Meta:
        verbose_name = "compteur de références"
        verbose_name_plural = "compteurs de références"

    def __str__(self) -> str:
        return f"{self.year} : {self.last}"


def next_refs(year: int, count: int) -> list[str]:
    """`count` new, never used file references of `year`, such as "2026-00042"."""
    refs: list[str] = []
    with transaction.atomic():
        RefSequence.objects.get_or_create(year=year)
        while len(refs) < count:
            needed = count - len(refs)
            # The UPDATE locks the counter row until the transaction ends.
            RefSequence.objects.filter(year=year).update(last=F("last") + needed)
            last = RefSequence.objects.values_list("last", flat=True).get(year=year)
            candidates = [f"{year}-{n:05d}" for n in range(last - needed + 1, last + 1)]
            # An imported file may already carry one of these references.
            taken = set(Beneficiary.objects.filter(ref__in=candidates).values_list("ref", flat=True))
            refs.extend(ref for ref in candidates if ref not in taken)
    return refs


def next_ref(year: int | None = None) -> str:
    return next_refs(year or timezone.localdate().year, 1)[0]


SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20
_DATE_TYPED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_REF_TYPED = re.compile(r"^\d{4}-\d{5,}$")


def _typed_date(text: str) -> datetime.date | None:
    match = _DATE_TYPED.match(text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


class BeneficiaryQuerySet(models.QuerySet):
    """Reads of case files; keeps `search_key` (and `ref`) right on the bulk write paths too."""

    def search(self, text: str):
        """Persons matching what a counsellor typed, best matches first.

        A birth date typed dd/mm/yyyy, a file reference, a phone number (any
        spacing, +33 accepted) or names in any order, case and accents; on
        PostgreSQL, names also match with a typo (pg_trgm word similarity).
        Anonymised files are never found.
        """
        return self.identified()._search(text.strip())

    def _search(self, text: str):
        birth_date = _typed_date(text)
        if birth_date is not None:
            return self.filter(birth_date=birth_date).order_by("search_key", "pk")
        if _REF_TYPED.match(text):
            return self.filter(ref=text).order_by("pk")
        if looks_like_phone(text):
            # Stored phones are normalised ("06 12 34 56 78"): compare digits
            # with the expression the trigram index of migration 0003 covers.
            return (
                self.alias(phone_digits=Replace("phone", Value(" "), Value("")))
                .filter(phone_digits__contains=phone_digits(text))
                .order_by("search_key", "pk")
            )
        key = normalise(text)
        if len(key.replace(" ", "")) < SEARCH_MIN_LENGTH:
            return self.none()
        words = Q()
        for word in key.split():
            words &= Q(search_key__contains=word)
        if connections[self.db].vendor != "postgresql":
            return self.filter(words).order_by("search_key", "pk")
        return (
            self.filter(words | Q(search_key__trigram_word_similar=key))
            .annotate(similarity=TrigramWordSimilarity(key, "search_key"))
            .order_by("-similarity", "search_key", "pk")
        )

    def likely_duplicates(self, *, last_name: str, first_name: str, birth_date: datetime.date | None):
        """Files that may be this person: same names (in either order) or, on
        PostgreSQL, close ones; those with the same birth date first.

        Each row is annotated `same_birth_date` (True, False, or None when a
        birth date is unknown) and `same_names`.
        """
        return self.identified()._likely_duplicates(last_name, first_name, birth_date)

    def _likely_duplicates(self, last_name: str, first_name: str, birth_date: datetime.date | None):
        key = search_key(last_name, first_name)
        same_names = Q(search_key=key) | Q(search_key=search_key(first_name, last_name))
        candidates = self.filter(same_names)
        if connections[self.db].vendor == "postgresql":
            close = self.filter(search_key__trigram_similar=key).annotate(
                similarity=TrigramSimilarity("search_key", key)
            )
            candidates = self.filter(Q(pk__in=close.filter(similarity__gte=0.5).values("pk")) | same_names)
        if birth_date is not None:
            candidates = candidates | self.filter(
                birth_date=birth_date, search_key__startswith=key.split()[0] + " "
            )
        return (
            candidates.annotate(
                same_names=ExpressionWrapper(same_names, output_field=models.BooleanField()),
                same_birth_date=Case(
                    When(birth_date__isnull=True, then=Value(None)),
                    When(birth_date=birth_date, then=Value(True)),
                    default=Value(False),
                    output_field=models.BooleanField(null=True),
                )
                if birth_date
                else Value(None, output_field=models.BooleanField(null=True)),
            )
            .select_related("quarter")
            .with_last_visit()
            .order_by(F("same_birth_date").desc(nulls_last=True), "-same_names", "search_key")
        )

    def with_open_referral_unseen_since(self, cutoff: datetime.date):
        """Persons with a referral still "proposed" whose last visit is before `cutoff`."""
        open_referral = Referral.objects.filter(beneficiary=OuterRef("pk"), status=ReferralStatus.PROPOSED)
        return self.identified().with_last_visit().filter(Exists(open_referral), last_visit__lt=cutoff)

    def identified(self):
        """Files that still name a person (not anonymised)."""
        return self.filter(anonymised_at__isnull=True)

    def inactive_since(self, cutoff: datetime.date):
        """Identified files with no contact since before `cutoff` (the last visit,
        or the file's creation without any): due for anonymisation."""
        from .quality import no_contact_since  # quality reads these models

        return self.identified().filter(no_contact_since(cutoff))

    def with_last_visit(self):
        last = Visit.objects.filter(beneficiary=OuterRef("pk")).order_by("-date").values("date")[:1]
        return self.annotate(last_visit=Subquery(last))

    def for_listing(self):
        """What a list of persons shows: quarter and date of the last visit."""
        return self.select_related("quarter").with_last_visit()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_derived_fields()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        fields = list(fields)
        if NAME_FIELDS & set(fields):
            for obj in objs:
                obj.search_key = search_key(obj.last_name, obj.first_name)
            if "search_key" not in fields:
                fields.append("search_key")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if not NAME_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            rows = list(
                self.model._base_manager.using(self.db)
                .filter(pk__in=pks)
                .only("pk", "last_name", "first_name")
            )
            for row in rows:
                row.search_key = search_key(row.last_name, row.first_name)
            self.model._base_manager.using(self.db).bulk_update(rows, ["search_key"])
        return count


class Beneficiary(AuditedModel):
    ref = models.CharField(
        "référence du dossier",
        max_length=20,
        unique=True,
        blank=True,
        help_text="Attribuée automatiquement si elle est laissée vide (année-numéro).",
        error_messages={"unique": "Un dossier porte déjà cette référence."},
    )
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    search_key = models.CharField("clé de recherche", max_length=201, editable=False, db_index=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("courriel", blank=True)
    quarter = models.ForeignKey(
        Quarter,
        verbose_name="quartier de résidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        help_text="Vide : hors des quartiers listés ou non renseigné.",
    )
    france_travail = models.CharField(
        "inscrit·e à France Travail", max_length=3, choices=TriState.choices, blank=True
    )
    rsa = models.CharField("bénéficiaire du RSA", max_length=3, choices=TriState.choices, blank=True)
    rqth = models.CharField(
        "RQTH",
        max_length=3,
        choices=TriState.choices,
        blank=True,
        help_text="Reconnaissance de la qualité de travailleur handicapé : oui ou non seulement, "
        "jamais la nature du handicap.",
    )
    qualification_level = models.CharField(
        "niveau de qualification", max_length=6, choices=QualificationLevel.choices, blank=True
    )
    notice_given_on = models.DateField(
        "notice d'information remise le",
        null=True,
        blank=True,
        help_text="Date à laquelle la notice d'information RGPD a été remise à la personne.",
    )
    version = models.PositiveIntegerField("version", default=1, editable=False)
    anonymised_at = models.DateTimeField(
        "anonymisé le",
        null=True,
        blank=True,
        editable=False,
        help_text="Le dossier ne contient plus aucune donnée identifiante ; ses rendez-vous et sorties "
        "restent comptés dans les bilans.",
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["search_key", "ref"]
        indexes = [models.Index(fields=["birth_date"], name="beneficiary_birth_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sex__in=Sex.values),
                name="beneficiary_sex_valid",
                violation_error_message="Sexe inconnu : choisissez Femme, Homme ou Non précisé.",
            ),
            models.CheckConstraint(
                condition=~Q(last_name="") & ~Q(first_name=""),
                name="beneficiary_names_required",
                violation_error_message="Le nom et le prénom sont obligatoires.",
            ),
            models.CheckConstraint(
                condition=~Q(ref=""),
                name="beneficiary_ref_required",
                violation_error_message="La référence du dossier est obligatoire.",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_date__gte=datetime.date(1900, 1, 1)),
                name="beneficiary_birth_date_plausible",
                violation_error_message="Date de naissance invraisemblable.",
            ),
            models.CheckConstraint(
                condition=Q(france_travail__in=TriState.values)
                & Q(rsa__in=TriState.values)
                & Q(rqth__in=TriState.values),
                name="beneficiary_flags_valid",
                violation_error_message="Valeur inconnue pour France Travail, RSA ou RQTH.",
            ),
            models.CheckConstraint(
                condition=Q(qualification_level="") | Q(qualification_level__in=QualificationLevel.values),
                name="beneficiary_qualification_valid",
                violation_error_message="Niveau de qualification inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name} ({self.ref})"

    def audit_file_ref(self) -> str:
        return self.ref

    def fill_derived_fields(self) -> None:
        self.search_key = search_key(self.last_name, self.first_name)
        self.phone = normalise_phone(self.phone)
        if not self.ref:
            self.ref = next_ref()

    def validate_constraints(self, exclude=None):
        if not self.ref:
            # Generated when the file is saved.
            exclude = {*(exclude or ()), "ref"}
        super().validate_constraints(exclude=exclude)

    def save(self, **kwargs):
        self.fill_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(**kwargs)


class Topic(models.Model):
    """Reference list of what a visit was about (CV, training, RSA…)."""

    code = models.SlugField("code", max_length=40, unique=True)
    label = models.CharField("libellé", max_length=100)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_active = models.BooleanField("proposé dans les formulaires", default=True)

    class Meta:
        verbose_name = "thème d'entretien"
        verbose_name_plural = "thèmes d'entretien"
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class VisitQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_derived_fields()
        return super().bulk_create(objs, *args, **kwargs)

    def in_year(self, year: int):
        return self.filter(date__year=year)

    def for_timeline(self):
        """Where, by whom, about what: what a list of visits shows."""
        return self.select_related("permanence__venue", "counsellor").prefetch_related("topics", "referrals")

    def next_steps_due(self, day: datetime.date):
        return self.filter(
            next_step_due__lte=day, next_step_done_on__isnull=True, beneficiary__anonymised_at__isnull=True
        ).exclude(next_step="")


class Visit(AuditedModel):
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.PROTECT, related_name="visits"
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
                | Q(duration_minutes__gte=1, duration_minutes__lte=600),
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

    def audit_file_ref(self) -> str:
        return self.beneficiary.ref

    def fill_derived_fields(self) -> None:
        self.date = self.permanence.date

    def clean(self):
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


class Referral(AuditedModel):
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.PROTECT, related_name="referrals"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="rendez-vous",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
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
        ]

    def __str__(self) -> str:
        return f"{self.get_partner_display()} ({self.proposed_on:%d/%m/%Y})"

    def audit_file_ref(self) -> str:
        return self.beneficiary.ref


class OutcomeQuerySet(models.QuerySet):
    def starting_in(self, year: int):
        return self.filter(start_date__year=year)


class Outcome(AuditedModel):
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="personne", on_delete=models.PROTECT, related_name="outcomes"
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

    objects = OutcomeQuerySet.as_manager()

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
                condition=Q(start_date__gte=datetime.date(1990, 1, 1)),
                name="outcome_start_plausible",
                violation_error_message="Date de début invraisemblable.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} à partir du {self.start_date:%d/%m/%Y}"

    def audit_file_ref(self) -> str:
        return self.beneficiary.ref


# --- data management: import, nominative export, merge ----------------------


class ImportUploadQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(created_at__lt=timezone.now() - ImportUpload.LIFETIME)

    def alive(self):
        return self.filter(created_at__gte=timezone.now() - ImportUpload.LIFETIME)


class ImportUpload(models.Model):
    """Files uploaded for an import, kept between the preview and the confirmation.

    In the database rather than on disk: never under a served directory, the
    same for every worker, and gone with the row. Deleted when the import is
    confirmed or cancelled, when the same user uploads again, and past
    `LIFETIME`.
    """

    LIFETIME = datetime.timedelta(hours=24)

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    beneficiaries_name = models.CharField("fichier des personnes", max_length=255, blank=True)
    beneficiaries_data = models.BinaryField("contenu du fichier des personnes", null=True)
    visits_name = models.CharField("fichier des rendez-vous", max_length=255, blank=True)
    visits_data = models.BinaryField("contenu du fichier des rendez-vous", null=True)
    outcomes_name = models.CharField("fichier des sorties", max_length=255, blank=True)
    outcomes_data = models.BinaryField("contenu du fichier des sorties", null=True)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        verbose_name = "fichiers d'import en attente"
        verbose_name_plural = "fichiers d'import en attente"

    def __str__(self) -> str:
        return f"Import déposé le {self.created_at:%d/%m/%Y %H:%M}"


class NominativeExport(models.Model):
    """Who downloaded which nominative export, and when. No personal data."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="exporté par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    exported_at = models.DateTimeField("exporté le", auto_now_add=True)
    content = models.CharField("contenu", max_length=20, choices=ExportContent.choices)
    rows = models.PositiveIntegerField("nombre de lignes")

    class Meta:
        verbose_name = "export nominatif"
        verbose_name_plural = "exports nominatifs"
        ordering = ["-exported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content__in=ExportContent.values),
                name="nominative_export_content_valid",
                violation_error_message="Contenu d'export inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_content_display()} — {self.exported_at:%d/%m/%Y %H:%M}"


class BeneficiaryMerge(models.Model):
    """Two files found to be one person: the removed one was merged into the kept one.

    References only, never names: the removed reference stays findable.
    """

    kept_ref = models.CharField("dossier conservé", max_length=20, db_index=True)
    removed_ref = models.CharField("dossier fusionné", max_length=20, db_index=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="fusionné par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    merged_at = models.DateTimeField("fusionné le", auto_now_add=True)

    class Meta:
        verbose_name = "fusion de dossiers"
        verbose_name_plural = "fusions de dossiers"
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.removed_ref} → {self.kept_ref}"


class DistinctPair(models.Model):
    """Two files listed as likely duplicates that coordination checked: two persons.

    The pair is no longer listed among the likely duplicates (first < second);
    it goes with either file. Deleting it here, in the admin, lists it again.
    """

    first = models.ForeignKey(
        Beneficiary, verbose_name="premier dossier", on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        Beneficiary, verbose_name="second dossier", on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="vérifié par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("vérifié le", auto_now_add=True)

    class Meta:
        verbose_name = "paire de dossiers distincts"
        verbose_name_plural = "paires de dossiers distincts"
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"],
                name="distinct_pair_unique",
                violation_error_message="Ces deux dossiers sont déjà notés comme deux personnes différentes.",
            ),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")),
                name="distinct_pair_ordered",
                violation_error_message="Le premier dossier d'une paire est le plus ancien.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first.ref} ≠ {self.second.ref}"

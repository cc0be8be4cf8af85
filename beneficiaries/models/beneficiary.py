"""The case file of a person (`Beneficiary`): its reference, its search key and its search."""

import datetime
import re

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connections, models, transaction
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Replace
from django.utils import timezone

from core.dates import parse_date
from core.enums import Role
from core.models import AuditedModel
from permanences.models import Quarter

from ..bounds import EARLIEST_BIRTH
from ..enums import AttendanceMark, QualificationLevel, ReferralStatus, Sex, TriState
from ..normalise import (
    SEARCH_KEY_LENGTH,
    looks_like_phone,
    normalise,
    normalise_phone,
    phone_digits,
    search_key,
)
from .activity import Referral, Visit
from .caseload import CaseloadQuerySetMixin
from .consent import ConsentFields
from .workshops import WorkshopRegistration

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
_REF_TYPED = re.compile(r"^\d{4}-\d{5,}$")


def _typed_date(text: str) -> datetime.date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def no_contact_since(cutoff: datetime.date) -> Q:
    """On persons: no visit and no workshop attended on or after `cutoff`, and a
    last contact before it (one of those, or for a file without any its creation)."""
    visits = Visit.objects.filter(beneficiary=OuterRef("pk"))
    attended = WorkshopRegistration.objects.filter(
        beneficiary=OuterRef("pk"), attendance=AttendanceMark.PRESENT
    )
    created = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return (
        ~Exists(visits.filter(date__gte=cutoff))
        & ~Exists(attended.filter(workshop__date__gte=cutoff))
        & (Exists(visits) | Exists(attended) | Q(created_at__lt=created))
    )


class BeneficiaryQuerySet(CaseloadQuerySetMixin, models.QuerySet):
    """Reads of case files; keeps `search_key` (and `ref`) right on the bulk write paths too."""

    def search(self, text: str):
        """Persons matching what a counsellor typed, best matches first.

        A birth date typed dd/mm/yyyy (or yyyy-mm-dd), a file reference, a phone number (any
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


class Beneficiary(AuditedModel, ConsentFields):
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
    search_key = models.CharField(
        "clé de recherche", max_length=SEARCH_KEY_LENGTH, editable=False, db_index=True
    )
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
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="référent·e",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        # Forms and the admin offer active counsellors only; the services check it too.
        limit_choices_to={"groups__name": Role.CONSEILLER.value, "is_active": True},
        help_text="Le conseiller ou la conseillère qui suit la personne. Tout conseiller peut "
        "ouvrir le dossier et recevoir la personne.",
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
                condition=Q(birth_date__isnull=True) | Q(birth_date__gte=EARLIEST_BIRTH),
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
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True)
                | (Q(sms_consent_at__isnull=True) & Q(email_consent_at__isnull=True)),
                name="beneficiary_anonymised_no_consent",
                violation_error_message="Un dossier anonymisé ne reçoit aucun message.",
            ),
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True) | Q(referent__isnull=True),
                name="beneficiary_anonymised_no_referent",
                violation_error_message="Un dossier anonymisé n'a pas de référent·e.",
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

from django.conf import settings
from django.db import models
from django.db.models import Q

from beneficiaries.bounds import EARLIEST_ACTIVITY
from beneficiaries.enums import AgeBand, Sex
from beneficiaries.models import Beneficiary
from permanences.models import Quarter, Venue


class PublishedBilanQuerySet(models.QuerySet):
    def latest_by_year(self, years) -> dict[int, "PublishedBilan"]:
        """The latest publication of each of `years` that has one (one query)."""
        latest: dict[int, PublishedBilan] = {}
        for publication in (
            self.filter(year__in=years)
            .select_related("published_by")
            .order_by("year", "-published_at", "-pk")
        ):
            latest.setdefault(publication.year, publication)
        return latest


class PublishedBilan(models.Model):
    """The figures of a year exactly as presented to the council.

    Frozen: later corrections or RGPD anonymisation never change them. A year
    may be published again (a corrected bilan); the latest publication is the
    one shown.
    """

    year = models.PositiveSmallIntegerField("année")
    figures = models.JSONField("chiffres")
    published_at = models.DateTimeField("publié le", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="publié par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField("commentaire", max_length=255, blank=True)

    objects = PublishedBilanQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan publié"
        verbose_name_plural = "bilans publiés"
        ordering = ["-year", "-published_at"]
        indexes = [models.Index(fields=["year", "-published_at"], name="published_bilan_year_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=EARLIEST_ACTIVITY.year, year__lte=2100),
                name="published_bilan_year_plausible",
                violation_error_message="Année invraisemblable.",
            ),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.year} publié le {self.published_at:%d/%m/%Y}"


class Attendance(models.Model):
    """How one person came in one year: at one venue, or at all venues together.

    What the bilan counts of the visits, one row per person, year and venue
    (and one per person and year with `venue` empty: all venues together),
    with the person's sex, quarter, birth date and age band beside it: the
    bilan of a year reads some 26,000 of these rows instead of joining its
    100,000 visits to their sessions and persons (docs/BENCHMARKS.md).

    Derived data that no Python code writes: database triggers (migration
    0003) rewrite a person's rows whenever one of their visits is created,
    moved or deleted — by a form, the admin, an import, a merge or plain SQL —
    copy the person's sex, quarter and birth date (and age band) when they
    change, and make the visits follow a session moved to another date or
    venue.
    """

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name="personne",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # Indexed on its own (attendance_person_idx below): the unique constraints
        # lead with it, but they are partial, and the triggers' rewrite of a
        # person's rows (all venues and per venue at once) could not use them.
        db_index=False,
        related_name="attendances",
    )
    year = models.PositiveSmallIntegerField("année")
    venue = models.ForeignKey(
        Venue,
        verbose_name="lieu d'accueil",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
        help_text="Vide : tous les lieux d'accueil ensemble.",
    )
    visits = models.PositiveIntegerField("rendez-vous")
    first_visit = models.DateField("premier rendez-vous de l'année")
    # The months the person came in, one bit each: bit m (1 to 12) is set when
    # they came in month m (January and March: 2 + 8 = 10; bit 0 is unused).
    # The triggers OR `1 << month` over the row's visits; the bilan tests
    # `months & (1 << m)` (reporting/queries.py) and ORs the rows of a
    # person at several venues (reporting/scope.py).
    months = models.PositiveIntegerField("mois de venue")
    first_year = models.BooleanField("première année dans le service")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    quarter = models.ForeignKey(
        Quarter,
        verbose_name="quartier de résidence",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    birth_date = models.DateField("date de naissance", null=True)
    # The person's age band on `first_visit` (beneficiaries/ages.py), so that
    # the bilan groups by it rather than computing an age for every row.
    age_band = models.CharField(
        "tranche d'âge au premier rendez-vous", max_length=12, choices=AgeBand.choices
    )

    class Meta:
        verbose_name = "fréquentation d'une année"
        verbose_name_plural = "fréquentations par année"
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "year", "venue"],
                condition=Q(venue__isnull=False),
                name="attendance_one_per_person_year_venue",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "year"],
                condition=Q(venue__isnull=True),
                name="attendance_one_per_person_year",
            ),
        ]
        # Covering indexes: the bilan reads a year's rows from the index alone
        # (PostgreSQL; SQLite ignores INCLUDE).
        indexes = [
            models.Index(fields=["beneficiary"], name="attendance_person_idx"),
            models.Index(
                fields=["year"],
                include=[
                    "sex",
                    "quarter",
                    "age_band",
                    "birth_date",
                    "first_visit",
                    "first_year",
                    "visits",
                    "months",
                ],
                condition=Q(venue__isnull=True),
                name="attendance_all_venues_idx",
            ),
            models.Index(
                fields=["year", "venue", "sex"],
                include=[
                    "quarter",
                    "age_band",
                    "birth_date",
                    "first_visit",
                    "first_year",
                    "visits",
                    "months",
                    "beneficiary",
                ],
                condition=Q(venue__isnull=False),
                name="attendance_by_venue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} en {self.year}"

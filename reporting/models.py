from django.conf import settings
from django.db import models
from django.db.models import Q


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
                condition=Q(year__gte=2000, year__lte=2100),
                name="published_bilan_year_plausible",
                violation_error_message="Année invraisemblable.",
            ),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.year} publié le {self.published_at:%d/%m/%Y}"

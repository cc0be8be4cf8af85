"""Records of coordination's data work: uploads waiting for their import, nominative
exports, merges of two files, and pairs checked to be two persons."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..enums import ExportContent
from .beneficiary import Beneficiary


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
    sessions_name = models.CharField("fichier des permanences", max_length=255, blank=True)
    sessions_data = models.BinaryField("contenu du fichier des permanences", null=True)
    visits_name = models.CharField("fichier des rendez-vous", max_length=255, blank=True)
    visits_data = models.BinaryField("contenu du fichier des rendez-vous", null=True)
    referrals_name = models.CharField("fichier des orientations", max_length=255, blank=True)
    referrals_data = models.BinaryField("contenu du fichier des orientations", null=True)
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

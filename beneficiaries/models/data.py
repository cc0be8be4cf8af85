"""Records of coordination's data work: uploads waiting for their import and the
background jobs that preview and import them, nominative exports, merges of two
files, and pairs checked to be two persons."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..enums import ExportContent, ImportAction, ImportJobState
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
    `LIFETIME` (by `manage.py purge_imports` and at any upload: `imports_purge`),
    unless a job still works on them.
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
    workshops_name = models.CharField("fichier des ateliers", max_length=255, blank=True)
    workshops_data = models.BinaryField("contenu du fichier des ateliers", null=True)
    registrations_name = models.CharField("fichier des inscriptions aux ateliers", max_length=255, blank=True)
    registrations_data = models.BinaryField("contenu du fichier des inscriptions aux ateliers", null=True)

    # Data rows of the files, measured at the upload: the total of the progress bars.
    rows = models.PositiveIntegerField("lignes", default=0)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        verbose_name = "fichiers d'import en attente"
        verbose_name_plural = "fichiers d'import en attente"

    def __str__(self) -> str:
        return f"Import déposé le {self.created_at:%d/%m/%Y %H:%M}"


class ImportJobQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(created_at__gte=timezone.now() - ImportUpload.LIFETIME)

    def expired(self):
        return self.filter(created_at__lt=timezone.now() - ImportUpload.LIFETIME)

    def stalled(self):
        """Running, but their worker has not been heard of for a while: it died."""
        return self.filter(
            state=ImportJobState.RUNNING, heartbeat_at__lt=timezone.now() - ImportJob.STALE_AFTER
        )

    @staticmethod
    def _working() -> Q:
        return Q(state=ImportJobState.RUNNING, heartbeat_at__gte=timezone.now() - ImportJob.STALE_AFTER)

    def working(self):
        """Running, their worker alive: their files may still be read, their rows written."""
        return self.filter(self._working())

    def not_working(self):
        """All but `working()`, on the row alone (no subquery): a statement that deletes
        them reads the state again if a worker claims a job meanwhile."""
        return self.exclude(self._working())

    def unfinished(self):
        """Waiting for a worker or running (stalled ones are as good as failed)."""
        return self.filter(state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING]).exclude(
            pk__in=self.stalled().values("pk")
        )


class ImportJob(models.Model):
    """A preview or an import of uploaded files, run in the background by the task
    worker (`import_jobs.py`, `tasks.py`): its state, its progress, then its result.

    `upload_key` names the `ImportUpload` without a foreign key: a successful
    import deletes the files, and its job stays to say so. The result of a
    preview holds what the preview page shows (personal data of the files and
    of lookalike files, as the files themselves): jobs go with their user's
    next upload, with a cancel, and after `ImportUpload.LIFETIME` (`imports_purge`),
    unless still running.
    """

    # The worker notes it is alive this often; a job not heard of for STALE_AFTER
    # was left by a worker that died (nothing of it was written: its transaction
    # went with it) and counts as failed.
    HEARTBEAT_SECONDS = 1
    STALE_AFTER = datetime.timedelta(minutes=2)
    STALLED = (
        "Le traitement s'est interrompu (le service de traitement a sans doute redémarré) : rien n'a été "
        "enregistré. Relancez-le."
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="lancé par", on_delete=models.CASCADE, related_name="+"
    )
    upload_key = models.UUIDField("fichiers déposés", db_index=True)
    action = models.CharField("traitement", max_length=10, choices=ImportAction.choices)
    state = models.CharField(
        "état", max_length=10, choices=ImportJobState.choices, default=ImportJobState.QUEUED
    )
    # The coordinator's decisions about likely duplicates: {"choices": {line: value}, "create_anyway": …}.
    decisions = models.JSONField("décisions", default=dict, blank=True)
    rows_total = models.PositiveIntegerField("lignes des fichiers", default=0)
    rows_read = models.PositiveIntegerField("lignes lues", default=0)
    rows_compared = models.PositiveIntegerField("lignes comparées", default=0)
    rows_to_write = models.PositiveIntegerField("lignes à écrire", default=0)
    rows_written = models.PositiveIntegerField("lignes écrites", default=0)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe du traitement", null=True, blank=True)
    finished_at = models.DateTimeField("fini le", null=True, blank=True)
    result = models.JSONField("résultat", null=True, blank=True)
    message = models.TextField("message", blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "traitement d'import"
        verbose_name_plural = "traitements d'import"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ImportAction.values),
                name="import_job_action_valid",
                violation_error_message="Traitement d'import inconnu.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ImportJobState.values),
                name="import_job_state_valid",
                violation_error_message="État de traitement inconnu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} du {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def stalled(self) -> bool:
        return (
            self.state == ImportJobState.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < timezone.now() - self.STALE_AFTER
        )

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.DONE, ImportJobState.FAILED) or self.stalled

    @property
    def imported(self) -> bool:
        """A successful import: its files are written and gone."""
        return self.state == ImportJobState.DONE and bool((self.result or {}).get("imported"))

    @property
    def failure(self) -> str:
        """Why the job failed, in French (a stalled one: its worker died)."""
        if self.stalled:
            return self.STALLED
        return self.message if self.state == ImportJobState.FAILED else ""

    @property
    def summary(self) -> str:
        """What a successful import created and changed."""
        return (self.result or {}).get("summary", "") if self.imported else ""

    @property
    def refusal(self) -> str:
        """Why an import was refused (problems, or persons without a decision): nothing written."""
        return (self.result or {}).get("refused", "") if self.state == ImportJobState.DONE else ""

    @property
    def phase(self) -> str:
        if self.state == ImportJobState.QUEUED:
            return "En attente du service de traitement"
        if self.rows_to_write:
            return "Écriture dans la base"
        if self.rows_total and self.rows_read >= self.rows_total:
            return "Comparaison avec les dossiers enregistrés"
        return "Lecture et vérification des fichiers"

    @property
    def fraction(self) -> float:
        """The share of the work done: each row is read, compared, then (for an import)
        written — the rows to write counted as the rows of the files until they are known."""
        total = max(self.rows_total, self.rows_read)
        to_write = (self.rows_to_write or total) if self.action == ImportAction.IMPORT else 0
        work = 2 * total + to_write
        done = self.rows_read + self.rows_compared + self.rows_written
        return min(done / work, 1.0) if work else 0.0

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    @property
    def time_left(self) -> str:
        """A linear guess from the time spent so far, in words; empty before there is
        anything to go on."""
        if self.state != ImportJobState.RUNNING or self.started_at is None or self.fraction < 0.02:
            return ""
        spent = (timezone.now() - self.started_at).total_seconds()
        seconds = round(spent * (1 - self.fraction) / self.fraction)
        if seconds < 60:
            return "moins d'une minute"
        return f"environ {round(seconds / 60)} min"

    @property
    def waiting_long(self) -> bool:
        """Queued for a while: the task worker may not be running."""
        return self.state == ImportJobState.QUEUED and self.created_at < timezone.now() - self.STALE_AFTER


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

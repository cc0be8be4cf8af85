from django.conf import settings
from django.db import models

from .enums import AuditAction


class AuditEntryQuerySet(models.QuerySet):
    """Entries are never changed; only `purge_before` removes them (retention).
    The database refuses it too (the trigger of migration 0003)."""

    def update(self, **kwargs):
        raise PermissionError("Le journal d'audit ne se modifie pas.")

    def delete(self):
        raise PermissionError("Le journal d'audit ne se supprime pas (voir la commande purge_audit).")

    def purge_before(self, moment) -> int:
        return self.filter(at__lt=moment)._raw_delete(self.db)

    def for_file(self, ref: str):
        return self.filter(file_ref=ref).select_related("user").order_by("-at", "-pk")


class AuditEntry(models.Model):
    at = models.DateTimeField("date et heure (UTC)", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField("identifiant", max_length=150, blank=True)
    action = models.CharField("action", max_length=20, choices=AuditAction.choices)
    object_type = models.CharField("type d'objet", max_length=60, blank=True)
    object_id = models.CharField("identifiant de l'objet", max_length=40, blank=True)
    file_ref = models.CharField("dossier concerné", max_length=20, blank=True, db_index=True)
    detail = models.CharField("précision", max_length=255, blank=True)
    # Names only, never values: "first_name, phone" (the triggers of migration 0003).
    columns = models.TextField("colonnes modifiées", blank=True)
    # The request it was written in, as the request's log line shows it (core/logs.py); none
    # outside a request. The database fills it, whoever inserts the entry (migration 0007).
    request_id = models.UUIDField(
        "requête",
        null=True,
        blank=True,
        editable=False,
        db_default=models.Func(function="audit_request_id", output_field=models.UUIDField()),
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {self.get_action_display()}"

    def save(self, **kwargs):
        if not self._state.adding:
            raise PermissionError("Une entrée du journal d'audit ne se modifie pas.")
        super().save(**kwargs)

    def delete(self, **kwargs):
        raise PermissionError("Une entrée du journal d'audit ne se supprime pas.")

"""Follow-up appointments (rendez-vous de suivi): a person booked at a coming session.

An appointment is never a visit. Its state is read, never stored, from what
happened since: honoured when a visit of the person is logged at that session,
missed once the session has ended without one, cancelled when the counsellor
cancelled it or the session was cancelled, else booked. So a visit logged,
corrected or deleted, a session cancelled or a day ending changes it at once,
with nothing to run.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from ..enums import AppointmentState
from .activity import FileRow, Visit

PURPOSE_MAX_LENGTH = 200


def _now() -> tuple[datetime.date, datetime.time]:
    now = timezone.localtime()
    return now.date(), now.time().replace(microsecond=0)


def session_ended(prefix: str = "permanence__", *, now: datetime.datetime | None = None) -> Q:
    """The session reached through `prefix` has ended (its day is past, or today after its end)."""
    today, time = _now() if now is None else (now.date(), now.time())
    return Q(**{f"{prefix}date__lt": today}) | Q(**{f"{prefix}date": today, f"{prefix}end_time__lte": time})


def time_refused(permanence: Permanence, time: datetime.time) -> str | None:
    """Why `time` cannot be booked at `permanence`, in French, or None."""
    if not permanence.start_time <= time < permanence.end_time:
        return (
            f"Choisissez une heure pendant la permanence, entre {permanence.start_time:%H:%M} "
            f"et {permanence.end_time:%H:%M}."
        )
    now = timezone.localtime()
    if permanence.date == now.date() and time < now.time().replace(second=0, microsecond=0):
        return "Cette heure est déjà passée : choisissez une heure à venir."
    return None


class AppointmentQuerySet(models.QuerySet):
    def with_state(self, *, now: datetime.datetime | None = None):
        """Each appointment's `state` (AppointmentState), read from the sessions and visits."""
        visit = Visit.objects.filter(beneficiary=OuterRef("beneficiary"), permanence=OuterRef("permanence"))
        return self.annotate(
            honoured=Exists(visit),
            state=Case(
                When(honoured=True, then=Value(AppointmentState.HONOURED)),
                When(
                    Q(cancelled_at__isnull=False) | Q(permanence__status=PermanenceStatus.CANCELLED),
                    then=Value(AppointmentState.CANCELLED),
                ),
                When(session_ended(now=now), then=Value(AppointmentState.MISSED)),
                default=Value(AppointmentState.BOOKED),
                output_field=models.CharField(),
            ),
        )

    def active(self):
        """Not cancelled, by the counsellor or with the session."""
        return self.filter(cancelled_at__isnull=True).exclude(permanence__status=PermanenceStatus.CANCELLED)

    def for_listing(self):
        return self.with_state().select_related("permanence__venue", "beneficiary", "created_by")

    def missed_since(self, day: datetime.date):
        """Missed at a session on or after `day`, and the person not seen since (to call back)."""
        seen_since = Visit.objects.filter(
            beneficiary=OuterRef("beneficiary"), date__gte=OuterRef("permanence__date")
        )
        return (
            self.active()
            .with_state()
            .filter(
                state=AppointmentState.MISSED,
                permanence__date__gte=day,
                beneficiary__anonymised_at__isnull=True,
            )
            .exclude(Exists(seen_since))
        )


class Appointment(FileRow):
    """A person expected at a coming session (time inside it, purpose)."""

    beneficiary = models.ForeignKey(
        "Beneficiary", verbose_name="personne", on_delete=models.PROTECT, related_name="appointments"
    )
    permanence = models.ForeignKey(
        Permanence, verbose_name="permanence", on_delete=models.PROTECT, related_name="appointments"
    )
    time = models.TimeField("heure")
    purpose = models.CharField("objet", max_length=PURPOSE_MAX_LENGTH, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="annulé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    FREE_TEXT = ("purpose",)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous de suivi"
        verbose_name_plural = "rendez-vous de suivi"
        ordering = ["permanence__date", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "permanence"],
                condition=Q(cancelled_at__isnull=True),
                name="appointment_one_per_person_per_permanence",
                violation_error_message="Cette personne a déjà un rendez-vous de suivi à cette permanence.",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("purpose"), PURPOSE_MAX_LENGTH),
                name="appointment_purpose_short",
                violation_error_message="L'objet ne doit pas dépasser 200 caractères.",
            ),
        ]
        indexes = [models.Index(fields=["permanence", "time"], name="appointment_permanence_idx")]

    def __str__(self) -> str:
        return f"Rendez-vous de suivi du {self.permanence.date:%d/%m/%Y} à {str(self.time)[:5]}"

    @property
    def state_label(self) -> str:
        """In French: "À venir", "Honoré", "Manqué", "Annulé" (needs `with_state()`)."""
        return AppointmentState(self.state).label

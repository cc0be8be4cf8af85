"""Writes on sessions: planning them from the weekly slots, holding, cancelling."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .enums import PermanenceStatus
from .models import Permanence, Venue, WeeklySlot


@transaction.atomic
def permanences_plan(*, start: datetime.date, end: datetime.date) -> int:
    """Create the planned sessions of [start, end] from the weekly slots.

    Idempotent: a session that already exists at a slot's venue, date and
    start time (planned, held, cancelled or opened ad hoc) is left as it is.
    Returns the number of sessions created. A constant number of queries
    whatever the length of the period.
    """
    slots = list(WeeklySlot.objects.valid_during(start, end).prefetch_related("counsellors"))
    if not slots:
        return 0
    existing = set(
        Permanence.objects.filter(date__gte=start, date__lte=end).values_list(
            "venue_id", "date", "start_time"
        )
    )
    wanted: list[tuple[Permanence, WeeklySlot]] = []
    for slot in slots:
        for day in slot.dates_between(start, end):
            key = (slot.venue_id, day, slot.start_time)
            if key in existing:
                continue
            existing.add(key)
            wanted.append(
                (
                    Permanence(
                        venue_id=slot.venue_id,
                        date=day,
                        start_time=slot.start_time,
                        end_time=slot.end_time,
                        slot=slot,
                    ),
                    slot,
                )
            )
    # ignore_conflicts: another request may plan the same day concurrently.
    Permanence.objects.bulk_create([p for p, _ in wanted], ignore_conflicts=True)
    created = {
        (p.venue_id, p.date, p.start_time): p
        for p in Permanence.objects.filter(
            date__gte=start, date__lte=end, slot__isnull=False, counsellors__isnull=True
        )
    }
    links = []
    for permanence, slot in wanted:
        saved = created.get((permanence.venue_id, permanence.date, permanence.start_time))
        if saved is None:
            continue
        links.extend(
            Permanence.counsellors.through(permanence_id=saved.pk, user_id=user.pk)
            for user in slot.counsellors.all()
        )
    Permanence.counsellors.through.objects.bulk_create(links, ignore_conflicts=True)
    return len(wanted)


class PermanenceError(Exception):
    """A session action that cannot be done; the message is for the user."""


def permanence_hold(*, permanence: Permanence, user) -> Permanence:
    """Mark a session as held (it took place); the user is one of its counsellors."""
    if permanence.date > timezone.localdate():
        raise PermanenceError("Une permanence à venir ne peut pas être marquée comme tenue.")
    with transaction.atomic():
        permanence.status = PermanenceStatus.HELD
        permanence.cancel_reason = ""
        permanence.save(update_fields=["status", "cancel_reason", "updated_at"])
        permanence.counsellors.add(user)
    return permanence


@transaction.atomic
def permanence_cancel(*, permanence: Permanence, reason: str) -> Permanence:
    """Cancel a session that has no visit.

    The session's row is locked first, as `visit_record` locks it before
    logging a visit: a cancellation and a visit at the same moment run one
    after the other, and the second sees what the first did.
    """
    reason = reason.strip()
    if not reason:
        raise PermanenceError("Indiquez le motif de l'annulation.")
    permanence = Permanence.objects.select_for_update().get(pk=permanence.pk)
    if permanence.has_visits():
        raise PermanenceError(
            "Des rendez-vous sont enregistrés dans cette permanence : elle ne peut pas être annulée."
        )
    permanence.status = PermanenceStatus.CANCELLED
    permanence.cancel_reason = reason
    permanence.save(update_fields=["status", "cancel_reason", "updated_at"])
    return permanence


@transaction.atomic
def permanence_open(
    *, venue: Venue, day: datetime.date, start_time: datetime.time, end_time: datetime.time, user
) -> Permanence:
    """Open an ad hoc session (outside the weekly slots), held by the user.

    One session per venue, day and start time, even when several counsellors
    open it at the same moment: the others are told it exists.
    """
    taken = PermanenceError("Une permanence commence déjà à cette heure dans ce lieu aujourd'hui.")
    if Permanence.objects.filter(venue=venue, date=day, start_time=start_time).exists():
        raise taken
    try:
        with transaction.atomic():
            permanence = Permanence.objects.create(
                venue=venue,
                date=day,
                start_time=start_time,
                end_time=end_time,
                status=PermanenceStatus.HELD,
            )
    except IntegrityError:
        # Opened by a concurrent request between the check and here.
        raise taken from None
    permanence.counsellors.add(user)
    return permanence

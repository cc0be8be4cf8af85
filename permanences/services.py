"""Writes on sessions: planning them from the weekly slots, and every change by hand.

Every change a person makes to a session (here, or in the admin) sets
`changed_by_hand_at`: the planning never touches such a session again.
Changes by hand lock the session's row first, as `visit_record` does before
logging a visit, so that they run one after the other; those made from a form
compare the session with what the form showed (`session_state`) and refuse to
overwrite a change saved in between (`PermanenceConflict`).
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .enums import PermanenceStatus
from .models import Permanence, Venue, WeeklySlot
from .signals import permanence_cancelled

TAKEN = "Une permanence commence déjà à cette heure dans ce lieu ce jour-là."


class PermanenceError(Exception):
    """A session action that cannot be done; the message is for the user."""


class PermanenceConflict(PermanenceError):
    """The session changed since the form was shown: nothing was saved."""

    def __init__(self, current: Permanence):
        super().__init__(
            "Cette permanence a été modifiée par quelqu'un d'autre pendant votre saisie : "
            "rien n'a été enregistré."
        )
        self.current = current


@transaction.atomic
def permanences_plan(*, start: datetime.date, end: datetime.date) -> int:
    """Create the planned sessions of [start, end] from the weekly slots.

    Idempotent: a slot's day that already has its session (planned, held,
    cancelled, or moved since to another day: `slot_date`), or a venue, date
    and start time already taken (a session opened ad hoc) is left as it is.
    Returns the number of sessions created. A constant number of queries
    whatever the length of the period.
    """
    slots = list(WeeklySlot.objects.valid_during(start, end).prefetch_related("counsellors"))
    if not slots:
        return 0
    taken, occurrences = set(), set()
    rows = Permanence.objects.filter(
        Q(date__gte=start, date__lte=end) | Q(slot_date__gte=start, slot_date__lte=end)
    ).values_list("venue_id", "date", "start_time", "slot_id", "slot_date")
    for venue_id, date, start_time, slot_id, slot_date in rows:
        taken.add((venue_id, date, start_time))
        occurrences.add((slot_id, slot_date))
    wanted: list[tuple[Permanence, WeeklySlot]] = []
    for slot in slots:
        for day in slot.dates_between(start, end):
            key = (slot.venue_id, day, slot.start_time)
            if key in taken or (slot.pk, day) in occurrences:
                continue
            taken.add(key)
            session = Permanence(
                venue_id=slot.venue_id,
                date=day,
                start_time=slot.start_time,
                end_time=slot.end_time,
                slot=slot,
                slot_date=day,
            )
            wanted.append((session, slot))
    # ignore_conflicts: another request may plan the same day concurrently.
    Permanence.objects.bulk_create([p for p, _ in wanted], ignore_conflicts=True)
    created = {
        (p.slot_id, p.slot_date): p
        for p in Permanence.objects.generated().filter(
            slot_date__gte=start, slot_date__lte=end, counsellors__isnull=True
        )
    }
    links = []
    for permanence, slot in wanted:
        saved = created.get((slot.pk, permanence.date))
        if saved is None:
            continue
        links.extend(
            Permanence.counsellors.through(permanence_id=saved.pk, user_id=user.pk)
            for user in slot.counsellors.all()
        )
    Permanence.counsellors.through.objects.bulk_create(links, ignore_conflicts=True)
    return len(wanted)


@dataclass(frozen=True)
class PlanningResult:
    created: int = 0
    updated: int = 0  # brought in line with a slot whose hours or counsellors changed
    removed: int = 0  # their slot no longer opens that day
    kept: int = 0  # their slot no longer opens that day, but something refers to them
    by_hand: int = 0  # changed by hand: left as they are


def planning_horizon(today: datetime.date, weeks: int) -> tuple[datetime.date, datetime.date]:
    """The days the planning covers: `weeks` weeks from today."""
    return today, today + datetime.timedelta(weeks=weeks, days=-1)


@transaction.atomic
def permanences_generate(*, start: datetime.date, end: datetime.date) -> PlanningResult:
    """Plan [start, end] from the weekly slots (the daily command, and the planning page).

    The sessions planned from a slot that nobody changed by hand follow their
    slot: new hours or counsellors, or removed when the slot no longer opens
    that day (unless a visit or anything else refers to them). Then the
    missing sessions are created. Run twice, the second run changes nothing.
    """
    refreshed = _refresh(start, end)
    return PlanningResult(created=permanences_plan(start=start, end=end), **refreshed)


def _refresh(start: datetime.date, end: datetime.date) -> dict[str, int]:
    slots = {
        slot.pk: slot for slot in WeeklySlot.objects.valid_during(start, end).prefetch_related("counsellors")
    }
    sessions = Permanence.objects.filter(date__gte=start, date__lte=end)
    stale, updated = [], 0
    # Locked, as a change by hand locks its session: one made meanwhile is
    # waited for, then its session (no longer "generated") is skipped.
    untouched = (
        sessions.generated()
        .filter(status=PermanenceStatus.PLANNED)
        .select_for_update()
        .order_by("pk")  # no join to the venues (their rows are not locked), one lock order
        .prefetch_related("counsellors")
    )
    for session in untouched:
        slot = slots.get(session.slot_id)
        day = session.slot_date
        if slot is None or day is None or day.weekday() != slot.weekday or not slot.is_valid_on(day):
            stale.append(session.pk)
        elif _follow_slot(session, slot):
            updated += 1
    kept = _referred_to(stale)
    Permanence.objects.filter(pk__in=set(stale) - kept).delete()
    return {
        "updated": updated,
        "removed": len(stale) - len(kept),
        "kept": len(kept),
        "by_hand": sessions.filter(slot__isnull=False, changed_by_hand_at__isnull=False).count(),
    }


def _follow_slot(session: Permanence, slot: WeeklySlot) -> bool:
    """Give a session its slot's hours and counsellors; whether anything changed."""
    changed = False
    if (session.start_time, session.end_time) != (slot.start_time, slot.end_time):
        session.start_time, session.end_time = slot.start_time, slot.end_time
        try:
            with transaction.atomic():
                session.save(update_fields=["start_time", "end_time", "updated_at"])
        except IntegrityError:
            return False  # another session already starts then: left for the planning page
        changed = True
    wanted = {user.pk for user in slot.counsellors.all()}
    if {user.pk for user in session.counsellors.all()} != wanted:
        session.counsellors.set(wanted)
        changed = True
    return changed


def _referred_to(ids: list[int]) -> set[int]:
    """The sessions among `ids` that another row points to: visits, and whatever
    the applications above this one keep about a session, without naming them."""
    found: set[int] = set()
    if ids:
        for relation in Permanence._meta.related_objects:
            rows = Permanence.objects.filter(pk__in=ids, **{f"{relation.name}__isnull": False})
            found.update(rows.values_list("pk", flat=True))
    return found


def session_state(permanence: Permanence) -> str:
    """A digest of what a form shows of a session (one query: its counsellors).

    The form carries it; the service compares it with the session under the
    row lock. Every column counts, so a change by any path (the admin, a
    visit marking it held, an import) is seen, not only those that touch
    `updated_at`.
    """
    seen = [
        permanence.venue_id,
        permanence.date,
        permanence.start_time,
        permanence.end_time,
        permanence.status,
        permanence.cancel_reason,
        sorted(user.pk for user in permanence.counsellors.all()),
        permanence.updated_at,
    ]
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:32]


def _locked(permanence_id: int, expected_state: str | None = None) -> Permanence:
    """The session, locked until the transaction ends, unchanged since `expected_state` was read."""
    try:
        permanence = Permanence.objects.select_for_update().get(pk=permanence_id)
    except Permanence.DoesNotExist:
        # Removed by the planning meanwhile (its slot no longer opens that day).
        raise PermanenceError(
            "Cette permanence a été retirée du planning entre-temps : rien n'a été enregistré."
        ) from None
    _unchanged(permanence, expected_state)
    return permanence


def _unchanged(permanence: Permanence, expected_state: str | None) -> None:
    if expected_state is not None and session_state(permanence) != expected_state:
        raise PermanenceConflict(permanence)


def _validated(permanence: Permanence) -> None:
    """The model's rules and constraints, their French messages as one PermanenceError."""
    try:
        permanence.full_clean(exclude=["slot"])
    except ValidationError as error:
        raise PermanenceError(" ".join(error.messages)) from None


def permanence_hold(*, permanence: Permanence, user) -> Permanence:
    """Mark a session as held (it took place); the user is one of its counsellors."""
    if permanence.date > timezone.localdate():
        raise PermanenceError("Une permanence à venir ne peut pas être marquée comme tenue.")
    with transaction.atomic():
        permanence.status = PermanenceStatus.HELD
        permanence.cancel_reason = ""
        permanence.changed_by_hand_at = timezone.now()
        permanence.save(update_fields=["status", "cancel_reason", "changed_by_hand_at", "updated_at"])
        permanence.counsellors.add(user)
    return permanence


@transaction.atomic
def permanence_cancel(
    *, permanence: Permanence, reason: str, expected_state: str | None = None
) -> Permanence:
    """Cancel a session that has no visit; the reason is public.

    The session's row is locked first, as `visit_record` locks it before
    logging a visit: a cancellation and a visit at the same moment run one
    after the other, and the second sees what the first did.
    """
    reason = reason.strip()
    if not reason:
        raise PermanenceError("Indiquez le motif de l'annulation.")
    permanence = _locked(permanence.pk)
    if permanence.has_visits():
        raise PermanenceError(
            "Des rendez-vous sont enregistrés dans cette permanence : elle ne peut pas être annulée."
        )
    # After the visits: a visit logged meanwhile is the reason said, rather than a conflict.
    _unchanged(permanence, expected_state)
    permanence.status = PermanenceStatus.CANCELLED
    permanence.cancel_reason = reason
    permanence.changed_by_hand_at = timezone.now()
    permanence.save(update_fields=["status", "cancel_reason", "changed_by_hand_at", "updated_at"])
    # The persons booked on it are told (messaging/), in this transaction.
    permanence_cancelled.send(sender=Permanence, permanence=permanence)
    return permanence


@transaction.atomic
def permanence_close(*, permanence: Permanence, status: str, reason: str = "") -> Permanence:
    """Say what became of a past session left "planned": held (with or without
    visits), or cancelled with a reason. Done once: a session someone closed
    meanwhile is not changed again."""
    locked = _locked(permanence.pk)
    if locked.status != PermanenceStatus.PLANNED:
        raise PermanenceConflict(locked)
    if locked.date >= timezone.localdate():
        raise PermanenceError("Cette permanence n'est pas encore passée : rien n'a été changé.")
    if status == PermanenceStatus.CANCELLED:
        return permanence_cancel(permanence=locked, reason=reason)
    if status != PermanenceStatus.HELD:
        raise PermanenceError("Choisissez « tenue » ou « annulée ».")
    locked.status = PermanenceStatus.HELD
    locked.changed_by_hand_at = timezone.now()
    locked.save(update_fields=["status", "changed_by_hand_at", "updated_at"])
    return locked


@transaction.atomic
def permanence_open(
    *, venue: Venue, day: datetime.date, start_time: datetime.time, end_time: datetime.time, user
) -> Permanence:
    """Open an ad hoc session (outside the weekly slots), held by the user.

    One session per venue, day and start time, even when several counsellors
    open it at the same moment: the others are told it exists.
    """
    taken = PermanenceError("Une permanence commence déjà à cette heure dans ce lieu aujourd'hui.")
    permanence = _created(
        taken,
        venue=venue,
        date=day,
        start_time=start_time,
        end_time=end_time,
        status=PermanenceStatus.HELD,
    )
    permanence.counsellors.add(user)
    return permanence


@transaction.atomic
def permanence_add(
    *,
    venue: Venue,
    day: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    counsellors,
) -> Permanence:
    """Plan an exceptional session (outside the weekly slots), today or later."""
    if day < timezone.localdate():
        raise PermanenceError("Une permanence exceptionnelle se prévoit pour aujourd'hui ou un jour à venir.")
    permanence = _created(
        PermanenceError(TAKEN), venue=venue, date=day, start_time=start_time, end_time=end_time
    )
    permanence.counsellors.set(counsellors)
    return permanence


def _created(taken: PermanenceError, **values) -> Permanence:
    """A session created by hand; `taken` when its venue, date and start time are."""
    keys = {name: values[name] for name in ("venue", "date", "start_time")}
    if Permanence.objects.filter(**keys).exists():
        raise taken
    try:
        with transaction.atomic():
            return Permanence.objects.create(**values, changed_by_hand_at=timezone.now())
    except IntegrityError:
        # Created by a concurrent request between the check and here.
        raise taken from None


@transaction.atomic
def permanence_update(
    *,
    permanence: Permanence,
    expected_state: str,
    day: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    counsellors,
) -> Permanence:
    """Move a session (date, hours) and set its counsellors, unless it changed since the form was shown.

    A planned session moves to today or later; a held one stays in the past,
    and one with visits never moves to a coming day (the model's rule).
    """
    locked = _locked(permanence.pk, expected_state)
    if locked.is_cancelled:
        raise PermanenceError("Une permanence annulée ne se modifie plus.")
    today = timezone.localdate()
    if day != locked.date and locked.is_planned and day < today:
        raise PermanenceError("Une permanence prévue ne peut pas être déplacée à un jour passé.")
    if day > today and locked.status == PermanenceStatus.HELD:
        raise PermanenceError("Une permanence tenue ne peut pas être déplacée à un jour à venir.")
    locked.date, locked.start_time, locked.end_time = day, start_time, end_time
    locked.changed_by_hand_at = timezone.now()
    _validated(locked)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise PermanenceError(TAKEN) from None
    locked.counsellors.set(counsellors)
    return locked

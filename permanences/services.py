"""Writes on sessions: planning them from the weekly slots, holding, cancelling."""

import datetime

from django.db import transaction

from .models import Permanence, WeeklySlot


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

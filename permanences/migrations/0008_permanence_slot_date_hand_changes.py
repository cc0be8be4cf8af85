"""A session remembers the slot day it was planned for, and when it was last changed by hand.

The planning of the coming weeks (`permanences.planning`) recreates a slot's
session only when no session exists for that slot and day (`slot_date`), even
one moved to another day, and never changes a session someone changed by hand
(`changed_by_hand_at`).

Both columns are null without a default, so that SQLite adds them without
rebuilding the table (a rebuild drops every trigger on it). SQLite's audit
triggers compare the columns they were generated with: those of this table are
generated again, as audit/0003_audit_triggers asks of a migration that adds a
column to an audited table. PostgreSQL's triggers compare whole rows and need
nothing.

The sessions already planned from a slot get their slot day: their own date
(the first session of a slot on a day, when a hand change made two), or, for
one moved to another day of its week, its slot's day of that week. Those
still planned that no longer look like their slot (moved, other hours or
counsellors) were changed by hand before: they are marked so.
"""

import datetime
import importlib
from collections import defaultdict

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 500


def fill_slot_dates(apps, schema_editor):
    """Each slot day's session: first the sessions on their slot's weekday, then one
    moved within its week to another day stands for its slot's day of that week."""
    Permanence = apps.get_model("permanences", "Permanence")
    WeeklySlot = apps.get_model("permanences", "WeeklySlot")
    weekdays = dict(WeeklySlot.objects.values_list("pk", "weekday"))
    rows = (
        Permanence.objects.filter(slot__isnull=False)
        .order_by("date", "start_time", "pk")
        .values_list("pk", "slot_id", "date")
    )
    seen, on_day, moved = set(), [], []
    for pk, slot_id, date in rows.iterator():
        if date.weekday() == weekdays[slot_id] and (slot_id, date) not in seen:
            seen.add((slot_id, date))
            on_day.append(pk)
    for pk, slot_id, date in rows.iterator():
        slot_day = date + datetime.timedelta(days=weekdays[slot_id] - date.weekday())
        if date != slot_day and (slot_id, slot_day) not in seen:
            seen.add((slot_id, slot_day))
            moved.append((pk, slot_day))
    for start in range(0, len(on_day), BATCH):
        Permanence.objects.filter(pk__in=on_day[start : start + BATCH]).update(slot_date=models.F("date"))
    for pk, slot_day in moved:
        Permanence.objects.filter(pk=pk).update(slot_date=slot_day)


def mark_earlier_hand_changes(apps, schema_editor):
    """A planned session that no longer looks like its slot (day, hours, counsellors)
    was changed by hand before this migration: the planning must leave it alone too."""
    Permanence = apps.get_model("permanences", "Permanence")
    WeeklySlot = apps.get_model("permanences", "WeeklySlot")
    slot_counsellors, session_counsellors = defaultdict(set), defaultdict(set)
    for slot_id, user_id in WeeklySlot.counsellors.through.objects.values_list("weeklyslot_id", "user_id"):
        slot_counsellors[slot_id].add(user_id)
    planned = Permanence.objects.filter(slot_date__isnull=False, status="planned")
    links = Permanence.counsellors.through.objects.filter(permanence__in=planned)
    for permanence_id, user_id in links.values_list("permanence_id", "user_id"):
        session_counsellors[permanence_id].add(user_id)
    slots = {s.pk: s for s in WeeklySlot.objects.all()}
    changed = [
        p.pk
        for p in planned
        if (p.date, p.start_time, p.end_time)
        != (p.slot_date, slots[p.slot_id].start_time, slots[p.slot_id].end_time)
        or session_counsellors[p.pk] != slot_counsellors[p.slot_id]
    ]
    for start in range(0, len(changed), BATCH):
        Permanence.objects.filter(pk__in=changed[start : start + BATCH]).update(
            changed_by_hand_at=timezone.now()
        )


TABLE = "permanences_permanence"


def audit_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        audit = importlib.import_module("audit.migrations.0003_audit_triggers")
        audit.sqlite_create(schema_editor, only={TABLE})


def audit_triggers_dropped(apps, schema_editor):
    """Before the columns go (reversing): triggers that name them would stop SQLite dropping them."""
    if schema_editor.connection.vendor == "sqlite":
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_{TABLE}_{event}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("permanences", "0007_public_info_register"),
        # The audit triggers generated again on SQLite.
        ("audit", "0003_audit_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Reversing: the triggers generated again for the table without the columns.
        migrations.RunPython(migrations.RunPython.noop, audit_triggers_again),
        migrations.AddField(
            model_name="permanence",
            name="changed_by_hand_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Date de la dernière modification faite à la main (planning, administration, "
                "« Ma permanence ») : la planification automatique ne touche plus jamais cette permanence.",
                null=True,
                verbose_name="modifiée à la main le",
            ),
        ),
        migrations.AddField(
            model_name="permanence",
            name="slot_date",
            field=models.DateField(
                blank=True,
                help_text="Le jour du créneau dont la permanence est issue, même si elle a été déplacée "
                "depuis : la planification ne la recrée pas ce jour-là.",
                null=True,
                verbose_name="jour prévu par le créneau",
            ),
        ),
        # The index before the rows are written: PostgreSQL refuses to build it
        # in a transaction that has updated the table (pending trigger events).
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.UniqueConstraint(
                condition=models.Q(("slot_date__isnull", False)),
                fields=("slot", "slot_date"),
                name="permanence_unique_slot_occurrence",
                violation_error_message="Ce créneau a déjà sa permanence ce jour-là.",
            ),
        ),
        migrations.RunPython(fill_slot_dates, migrations.RunPython.noop),
        migrations.RunPython(mark_earlier_hand_changes, migrations.RunPython.noop),
        migrations.RunPython(audit_triggers_again, audit_triggers_dropped),
    ]

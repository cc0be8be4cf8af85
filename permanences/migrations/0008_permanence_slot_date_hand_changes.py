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
(the first session of a slot on a day, when a hand change made two).
"""

import importlib

from django.conf import settings
from django.db import migrations, models

BATCH = 500


def fill_slot_dates(apps, schema_editor):
    Permanence = apps.get_model("permanences", "Permanence")
    seen, ids = set(), []
    rows = (
        Permanence.objects.filter(slot__isnull=False)
        .order_by("date", "start_time", "pk")
        .values_list("pk", "slot_id", "date")
    )
    for pk, slot_id, date in rows.iterator():
        if (slot_id, date) not in seen:
            seen.add((slot_id, date))
            ids.append(pk)
    for start in range(0, len(ids), BATCH):
        Permanence.objects.filter(pk__in=ids[start : start + BATCH]).update(slot_date=models.F("date"))


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
        migrations.RunPython(fill_slot_dates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="permanence",
            constraint=models.UniqueConstraint(
                condition=models.Q(("slot_date__isnull", False)),
                fields=("slot", "slot_date"),
                name="permanence_unique_slot_occurrence",
                violation_error_message="Ce créneau a déjà sa permanence ce jour-là.",
            ),
        ),
        migrations.RunPython(audit_triggers_again, audit_triggers_dropped),
    ]

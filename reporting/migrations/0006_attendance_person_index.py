"""An index on the person of each attendance row: writing a visit rewrites its
person's rows (migration 0003's triggers), which read them through it rather than
through the whole table (the partial unique indexes cannot serve that lookup).
Measured by `make bench-load` (docs/BENCHMARKS.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0024_workshop_registration_version"),
        ("permanences", "0008_permanence_slot_date_hand_changes"),
        ("reporting", "0005_published_bilan_first_year"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(fields=["beneficiary"], name="attendance_person_idx"),
        ),
    ]

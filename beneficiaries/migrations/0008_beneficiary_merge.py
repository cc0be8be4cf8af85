"""The record of merged duplicate files: kept and removed references, who, when."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0007_nominative_export"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BeneficiaryMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kept_ref", models.CharField(db_index=True, max_length=20, verbose_name="dossier conservé")),
                (
                    "removed_ref",
                    models.CharField(db_index=True, max_length=20, verbose_name="dossier fusionné"),
                ),
                ("merged_at", models.DateTimeField(auto_now_add=True, verbose_name="fusionné le")),
                (
                    "merged_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="fusionné par",
                    ),
                ),
            ],
            options={
                "verbose_name": "fusion de dossiers",
                "verbose_name_plural": "fusions de dossiers",
                "ordering": ["-merged_at", "-pk"],
            },
        ),
    ]

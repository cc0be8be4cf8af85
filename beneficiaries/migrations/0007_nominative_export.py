"""The record of nominative exports: who, what, when (no personal data)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0006_import_upload"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NominativeExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("exported_at", models.DateTimeField(auto_now_add=True, verbose_name="exporté le")),
                (
                    "content",
                    models.CharField(
                        choices=[
                            ("beneficiaries", "Personnes"),
                            ("visits", "Rendez-vous"),
                            ("outcomes", "Sorties"),
                            ("all", "Les trois fichiers (zip)"),
                        ],
                        max_length=20,
                        verbose_name="contenu",
                    ),
                ),
                ("rows", models.PositiveIntegerField(verbose_name="nombre de lignes")),
                (
                    "exported_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="exporté par",
                    ),
                ),
            ],
            options={
                "verbose_name": "export nominatif",
                "verbose_name_plural": "exports nominatifs",
                "ordering": ["-exported_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("content__in", ["beneficiaries", "visits", "outcomes", "all"])),
                        name="nominative_export_content_valid",
                        violation_error_message="Contenu d'export inconnu.",
                    )
                ],
            },
        ),
    ]

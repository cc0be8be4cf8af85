"""Files uploaded for an import, kept between the preview and the confirmation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0005_beneficiary_anonymised_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportUpload",
            fields=[
                ("id", models.UUIDField(primary_key=True, serialize=False)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="déposé le")),
                (
                    "beneficiaries_name",
                    models.CharField(blank=True, max_length=255, verbose_name="fichier des personnes"),
                ),
                (
                    "beneficiaries_data",
                    models.BinaryField(null=True, verbose_name="contenu du fichier des personnes"),
                ),
                (
                    "visits_name",
                    models.CharField(blank=True, max_length=255, verbose_name="fichier des rendez-vous"),
                ),
                (
                    "visits_data",
                    models.BinaryField(null=True, verbose_name="contenu du fichier des rendez-vous"),
                ),
                (
                    "outcomes_name",
                    models.CharField(blank=True, max_length=255, verbose_name="fichier des sorties"),
                ),
                (
                    "outcomes_data",
                    models.BinaryField(null=True, verbose_name="contenu du fichier des sorties"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="déposé par",
                    ),
                ),
            ],
            options={
                "verbose_name": "fichiers d'import en attente",
                "verbose_name_plural": "fichiers d'import en attente",
            },
        ),
    ]

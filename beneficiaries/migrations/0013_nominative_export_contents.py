"""Nominative exports may hold the sessions and referrals files."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0012_import_upload_sessions_referrals"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="nominativeexport",
            name="nominative_export_content_valid",
        ),
        migrations.AlterField(
            model_name="nominativeexport",
            name="content",
            field=models.CharField(
                choices=[
                    ("beneficiaries", "Personnes"),
                    ("sessions", "Permanences"),
                    ("visits", "Rendez-vous"),
                    ("referrals", "Orientations"),
                    ("outcomes", "Sorties"),
                    ("all", "Tous les fichiers (zip)"),
                ],
                max_length=20,
                verbose_name="contenu",
            ),
        ),
        migrations.AddConstraint(
            model_name="nominativeexport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("content__in", ["beneficiaries", "sessions", "visits", "referrals", "outcomes", "all"])
                ),
                name="nominative_export_content_valid",
                violation_error_message="Contenu d'export inconnu.",
            ),
        ),
    ]

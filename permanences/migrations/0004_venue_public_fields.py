"""What an admin publishes about a venue: access notes, and whether counsellor names appear."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("permanences", "0003_form_submission"),
    ]

    operations = [
        migrations.AddField(
            model_name="venue",
            name="access_info",
            field=models.CharField(
                blank=True,
                help_text="Publié sur la page publique et l'affiche : transports, entrée, accessibilité (ex. « Métro Croix de Chavaux, entrée par la cour »).",
                max_length=255,
                verbose_name="accès",
            ),
        ),
        migrations.AddField(
            model_name="venue",
            name="publish_counsellors",
            field=models.BooleanField(
                default=False,
                help_text="Si la case est cochée, les noms des conseillers des créneaux de ce lieu apparaissent sur la page publique et l'affiche. Sinon, aucun nom n'est publié.",
                verbose_name="publier les noms des conseillers",
            ),
        ),
    ]

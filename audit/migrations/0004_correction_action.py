"""The reason of a correction of a file's row has an action of its own (no change
to the table: choices only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_audit_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Création"),
                    ("change", "Modification"),
                    ("delete", "Suppression"),
                    ("view", "Consultation"),
                    ("list", "Consultation d'une liste"),
                    ("export", "Export nominatif"),
                    ("import", "Import"),
                    ("merge", "Fusion de dossiers"),
                    ("anonymise", "Anonymisation"),
                    ("access_request", "Droit d'accès (document remis)"),
                    ("correction", "Motif d'une correction"),
                    ("login", "Connexion"),
                    ("logout", "Déconnexion"),
                    ("login_failed", "Échec de connexion"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
    ]

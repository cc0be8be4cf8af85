"""The pending uploads keep the sessions and referrals files too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0011_distinct_pair"),
    ]

    operations = [
        migrations.AddField(
            model_name="importupload",
            name="referrals_data",
            field=models.BinaryField(null=True, verbose_name="contenu du fichier des orientations"),
        ),
        migrations.AddField(
            model_name="importupload",
            name="referrals_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="fichier des orientations"),
        ),
        migrations.AddField(
            model_name="importupload",
            name="sessions_data",
            field=models.BinaryField(null=True, verbose_name="contenu du fichier des permanences"),
        ),
        migrations.AddField(
            model_name="importupload",
            name="sessions_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="fichier des permanences"),
        ),
    ]

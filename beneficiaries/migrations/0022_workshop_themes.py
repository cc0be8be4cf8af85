from django.db import migrations

# The initial reference list of workshop themes; admins edit it afterwards.
THEMES = (
    ("cv_lettre", "CV et lettre de motivation"),
    ("entretien", "Préparer un entretien d'embauche"),
    ("recherche_en_ligne", "Chercher des offres en ligne, candidater"),
    ("numerique", "Premiers pas numériques (courriel, espace France Travail)"),
    ("projet_professionnel", "Construire son projet professionnel"),
    ("droits", "Connaître ses droits (contrats, RSA, formation)"),
)


def create_themes(apps, schema_editor):
    WorkshopTheme = apps.get_model("beneficiaries", "WorkshopTheme")
    for position, (code, label) in enumerate(THEMES, start=1):
        WorkshopTheme.objects.get_or_create(code=code, defaults={"label": label, "position": position})


def delete_themes(apps, schema_editor):
    apps.get_model("beneficiaries", "WorkshopTheme").objects.filter(
        code__in=[code for code, _ in THEMES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0021_workshops")]

    operations = [migrations.RunPython(create_themes, delete_themes)]

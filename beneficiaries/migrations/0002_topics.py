from django.db import migrations

# The initial reference list of visit topics; admins edit it afterwards.
TOPICS = (
    ("accueil_diagnostic", "Accueil, diagnostic de la situation"),
    ("cv_lettre", "CV, lettre de motivation"),
    ("recherche_emploi", "Recherche d'offres, candidatures"),
    ("entretien_embauche", "Préparation aux entretiens d'embauche"),
    ("projet_professionnel", "Projet professionnel"),
    ("formation", "Formation, qualification"),
    ("france_travail", "Démarches France Travail"),
    ("rsa", "Démarches RSA"),
    ("acces_droits", "Accès aux droits (CAF, santé, logement…)"),
    ("numerique", "Outils numériques, espace personnel en ligne"),
    ("creation_activite", "Création d'activité"),
    ("mobilite", "Mobilité, permis de conduire"),
    ("langue", "Français langue étrangère"),
)


def create_topics(apps, schema_editor):
    Topic = apps.get_model("beneficiaries", "Topic")
    for position, (code, label) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(code=code, defaults={"label": label, "position": position})


def delete_topics(apps, schema_editor):
    apps.get_model("beneficiaries", "Topic").objects.filter(code__in=[code for code, _ in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0001_initial")]

    operations = [migrations.RunPython(create_topics, delete_topics)]

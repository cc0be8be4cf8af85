"""The default French texts of every kind of message on each channel (editable in the admin).

SMS texts keep to the GSM-7 alphabet (straight apostrophes; é, è, à, ù but no ç, ê, ô…) so that
a reminder fits in as few SMS as possible. Frozen here: a later change of the
defaults gets its own migration; a text an admin edited is never overwritten.
"""

from django.db import migrations

SIGNATURE = "L'équipe des permanences emploi"
RETRAIT = "Pour ne plus recevoir de courriels de notre part : {lien_retrait}"

TEXTS = {
    ("appointment_reminder", "sms"): (
        "",
        "Bonjour {prenom}, rappel de votre rendez-vous emploi le {date} à {heure}, {lieu}, "
        "{adresse}. Pensez à votre pièce d'identité et à votre CV.",
    ),
    ("appointment_reminder", "email"): (
        "Rappel : votre rendez-vous du {date} à {heure}",
        "Bonjour {prenom},\n\nNous vous rappelons votre rendez-vous à la permanence emploi "
        "le {date} à {heure} :\n{lieu}\n{adresse}\n\nÀ apporter : {a_apporter}.\n\n"
        "Si vous ne pouvez pas venir, prévenez-nous.\n\n" + SIGNATURE + "\n\n" + RETRAIT,
    ),
    ("workshop_reminder", "sms"): (
        "",
        "Bonjour {prenom}, rappel de votre atelier emploi le {date} à {heure}, {lieu}, {adresse}.",
    ),
    ("workshop_reminder", "email"): (
        "Rappel : votre atelier du {date} à {heure}",
        "Bonjour {prenom},\n\nNous vous rappelons l'atelier auquel vous êtes inscrit(e) "
        "le {date} à {heure} :\n{lieu}\n{adresse}\n\nÀ apporter : {a_apporter}.\n\n"
        "Si vous ne pouvez pas venir, prévenez-nous : votre place ira à une autre personne.\n\n"
        + SIGNATURE
        + "\n\n"
        + RETRAIT,
    ),
    ("session_cancelled", "sms"): (
        "",
        "Bonjour {prenom}, la permanence emploi du {date} ({lieu}) est annulée : {motif}. "
        "Prochaine permanence : {prochaine_seance}.",
    ),
    ("session_cancelled", "email"): (
        "Permanence du {date} annulée",
        "Bonjour {prenom},\n\nLa permanence emploi du {date} où vous étiez attendu(e) à {heure} "
        "est annulée :\n{motif}.\n\nLieu : {lieu}, {adresse}\nProchaine permanence dans ce lieu : "
        "{prochaine_seance}.\n\nNous vous prions de nous excuser.\n\n" + SIGNATURE + "\n\n" + RETRAIT,
    ),
    ("workshop_cancelled", "sms"): (
        "",
        "Bonjour {prenom}, l'atelier du {date} à {heure} ({lieu}) est annulé : {motif}. "
        "Prochain atelier : {prochaine_seance}.",
    ),
    ("workshop_cancelled", "email"): (
        "Atelier du {date} annulé",
        "Bonjour {prenom},\n\nL'atelier du {date} à {heure} auquel vous étiez inscrit(e) est annulé :\n"
        "{motif}.\n\nLieu : {lieu}, {adresse}\nProchain atelier sur ce thème dans ce lieu : "
        "{prochaine_seance}.\n\nNous vous prions de nous excuser.\n\n" + SIGNATURE + "\n\n" + RETRAIT,
    ),
    ("one_off", "sms"): ("", "{message}"),
    ("one_off", "email"): (
        "Message de la permanence emploi",
        "Bonjour {prenom},\n\n{message}\n\n" + SIGNATURE + "\n\n" + RETRAIT,
    ),
}


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for (kind, channel), (subject, body) in TEXTS.items():
        MessageTemplate.objects.get_or_create(
            kind=kind, channel=channel, defaults={"subject": subject, "body": body}
        )


def remove(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for kind, channel in TEXTS:
        MessageTemplate.objects.filter(kind=kind, channel=channel).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_audit_and_anonymised_guard")]

    operations = [migrations.RunPython(create, remove)]

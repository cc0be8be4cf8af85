"""The default reminder e-mails say how to warn (`{contact}`, the public information's contact);
the appointment reminder SMS no longer names fixed documents to bring (the e-mail gives the public
information's list, `{a_apporter}`, which would make the SMS several times longer). The SMS's
text is GSM-7 and takes 1 or 2 SMS with the sample values; a value outside GSM-7 (« août »,
« François ») makes it UCS-2 and longer (README).

A stored text is changed only where it is still the default of migration 0003 word for word: a
text coordination edited is never overwritten. Backwards, the same rule the other way.
"""

from django.db import migrations

SIGNATURE = "L'équipe des permanences emploi"
RETRAIT = "Pour ne plus recevoir de courriels de notre part : {lien_retrait}"
APPOINTMENT_EMAIL = (
    "Bonjour {prenom},\n\nNous vous rappelons votre rendez-vous à la permanence emploi "
    "le {date} à {heure} :\n{lieu}\n{adresse}\n\nÀ apporter : {a_apporter}.\n\n"
    "Si vous ne pouvez pas venir, prévenez-nous{warn}.\n\n" + SIGNATURE + "\n\n" + RETRAIT
)
WORKSHOP_EMAIL = (
    "Bonjour {prenom},\n\nNous vous rappelons l'atelier auquel vous êtes inscrit(e) "
    "le {date} à {heure} :\n{lieu}\n{adresse}\n\nÀ apporter : {a_apporter}.\n\n"
    "Si vous ne pouvez pas venir, prévenez-nous{warn}.\n\n" + SIGNATURE + "\n\n" + RETRAIT
)
APPOINTMENT_SMS = (
    "Bonjour {prenom}, rappel de votre rendez-vous emploi le {date} à {heure}, {lieu}, {adresse}. "
)

# (kind, channel): (the text of migration 0003, the new one)
CHANGES = {
    ("appointment_reminder", "email"): (
        APPOINTMENT_EMAIL.replace("{warn}", ""),
        APPOINTMENT_EMAIL.replace("{warn}", " : {contact}"),
    ),
    ("workshop_reminder", "email"): (
        WORKSHOP_EMAIL.replace("{warn}", " : votre place ira à une autre personne"),
        WORKSHOP_EMAIL.replace("{warn}", ", votre place ira à une autre personne : {contact}"),
    ),
    ("appointment_reminder", "sms"): (
        APPOINTMENT_SMS + "Pensez à votre pièce d'identité et à votre CV.",
        APPOINTMENT_SMS.rstrip(),
    ),
}


def _replace(apps, old_index: int) -> None:
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for (kind, channel), texts in CHANGES.items():
        MessageTemplate.objects.filter(kind=kind, channel=channel, body=texts[old_index]).update(
            body=texts[1 - old_index]
        )


def forwards(apps, schema_editor):
    _replace(apps, 0)


def backwards(apps, schema_editor):
    _replace(apps, 1)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_default_texts")]

    operations = [migrations.RunPython(forwards, backwards)]

"""The texts: SMS sizes (GSM-7 and UCS-2), placeholders, the default texts."""

import datetime
import importlib

import pytest
from django.apps import apps

from messaging.enums import Channel, Kind
from messaging.models import MessageTemplate
from messaging.services import public_values
from messaging.texts import (
    GSM7,
    UCS2,
    TextError,
    check_text,
    day_text,
    is_gsm7,
    render,
    sample_values,
    sms_size,
)


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        # The extension table counts two: 80 euro signs fill one SMS.
        ("€" * 80, GSM7, 160, 1),
        ("€" * 81, GSM7, 162, 2),
        ("[{}]", GSM7, 8, 1),
        # An escaped pair is never split: 152 letters and a euro sign need two segments.
        ("a" * 152 + "€" + "a" * 10, GSM7, 164, 2),
        ("a" * 152 + "€" + "a" * 153, GSM7, 307, 3),
        # Accented letters of GSM-7's basic set.
        ("é è ù ì ò à É Ç", GSM7, 15, 1),
        ("Rendez-vous à 9h30, pièce d'identité", GSM7, 36, 1),
        # UCS-2: one letter outside the set is enough.
        ("ça", UCS2, 2, 1),
        ("Prévenez-nous, à bientôt", UCS2, 24, 1),
        ("ê" * 70, UCS2, 70, 1),
        ("ê" * 71, UCS2, 71, 2),
        ("ê" * 134, UCS2, 134, 2),
        ("ê" * 135, UCS2, 135, 3),
        ("Rendez-vous le 1er décembre à l’accueil", UCS2, 39, 1),  # the typographic apostrophe
    ],
)
def test_sms_size(text, encoding, characters, segments):
    size = sms_size(text)
    assert (size.encoding, size.characters, size.segments) == (encoding, characters, segments)


@pytest.mark.parametrize("letter", list("êçâîôûëï’«»…"))
def test_letters_outside_the_gsm_basic_set(letter):
    assert not is_gsm7(letter)


@pytest.mark.parametrize("letter", list("éèùìòàÉÇ"))
def test_letters_of_the_gsm_basic_set(letter):
    assert is_gsm7(letter)


def test_the_size_label_is_french():
    assert sms_size("a" * 161).label == "161 caractères, GSM-7, 2 SMS"
    assert sms_size("ça").label == "2 caractères, UCS-2, 1 SMS"


def test_unknown_placeholders_are_refused_in_french():
    with pytest.raises(TextError, match=r"Champ inconnu : \{notes\}"):
        check_text("Bonjour {prenom}, {notes}", Kind.APPOINTMENT_REMINDER, Channel.SMS)
    # The withdrawal link is an e-mail's only; the reason a cancellation's only.
    with pytest.raises(TextError, match="lien_retrait"):
        check_text("{lien_retrait}", Kind.APPOINTMENT_REMINDER, Channel.SMS)
    with pytest.raises(TextError, match="motif"):
        check_text("{motif}", Kind.APPOINTMENT_REMINDER, Channel.EMAIL)
    check_text("{lien_retrait} {motif}", Kind.SESSION_CANCELLED, Channel.EMAIL)


@pytest.mark.parametrize("text", ["Bonjour {prenom", "Bonjour {prenom!r}", "{prenom:>99}", "{prenom.upper}"])
def test_malformed_braces_are_refused(text):
    with pytest.raises(TextError):
        check_text(text, Kind.ONE_OFF, Channel.SMS)


def test_render_replaces_only_the_known_values():
    assert (
        render("Bonjour {prenom}, à {heure}.", {"prenom": "Awa", "heure": "9h30"}) == "Bonjour Awa, à 9h30."
    )
    with pytest.raises(TextError):
        render("{heure}", {"prenom": "Awa"})


@pytest.mark.django_db
def test_every_kind_has_a_default_text_on_each_channel_that_renders():
    texts = {(t.kind, t.channel): t for t in MessageTemplate.objects.all()}
    assert set(texts) == {(kind, channel) for kind in Kind.values for channel in Channel.values}
    for (kind, channel), template in texts.items():
        check_text(template.body, kind, channel)
        check_text(template.subject, kind, channel)
        body = render(template.body, sample_values())
        if channel == Channel.EMAIL:
            assert template.subject and "{lien_retrait}" in template.body
        elif kind != Kind.ONE_OFF:
            # Written in GSM-7, the default SMS stay in GSM-7 and in two SMS at most with the sample
            # values (values outside GSM-7 change that: the test below).
            assert sms_size(body).encoding == GSM7, (kind, body)
            assert sms_size(body).segments <= 2, (kind, body)


@pytest.mark.django_db
def test_the_new_defaults_replace_only_the_texts_still_as_migration_0003_wrote_them():
    migration = importlib.import_module("messaging.migrations.0004_default_texts_contact_and_bring")
    old = importlib.import_module("messaging.migrations.0003_default_texts").TEXTS
    rows = MessageTemplate.objects.filter(channel=Channel.EMAIL)
    # Coordination edited the appointment reminder; the workshop one is still the default.
    rows.filter(kind=Kind.APPOINTMENT_REMINDER).update(body="Notre texte : {prenom}. {lien_retrait}")
    rows.filter(kind=Kind.WORKSHOP_REMINDER).update(body=old[(Kind.WORKSHOP_REMINDER, Channel.EMAIL)][1])
    migration.forwards(apps, None)
    bodies = dict(rows.values_list("kind", "body"))
    assert bodies[Kind.APPOINTMENT_REMINDER] == "Notre texte : {prenom}. {lien_retrait}"
    assert "votre place ira à une autre personne : {contact}." in bodies[Kind.WORKSHOP_REMINDER]
    migration.backwards(apps, None)
    assert rows.get(kind=Kind.WORKSHOP_REMINDER).body == old[(Kind.WORKSHOP_REMINDER, Channel.EMAIL)][1]
    assert rows.get(kind=Kind.APPOINTMENT_REMINDER).body == "Notre texte : {prenom}. {lien_retrait}"


@pytest.mark.django_db
def test_the_default_reminder_emails_say_how_to_warn_and_the_sms_names_no_fixed_document():
    bodies = {(t.kind, t.channel): t.body for t in MessageTemplate.objects.all()}
    assert "prévenez-nous : {contact}." in bodies[(Kind.APPOINTMENT_REMINDER, Channel.EMAIL)]
    assert "{contact}" in bodies[(Kind.WORKSHOP_REMINDER, Channel.EMAIL)]
    sms = bodies[(Kind.APPOINTMENT_REMINDER, Channel.SMS)]
    assert sms.endswith("{lieu}, {adresse}.") and "Pensez" not in sms and "CV" not in sms


@pytest.mark.django_db
def test_values_outside_gsm7_make_the_default_reminder_sms_ucs2_and_longer():
    """What README says: the size shown with the sample values is not that of every SMS sent."""
    body = MessageTemplate.objects.get(kind=Kind.APPOINTMENT_REMINDER, channel=Channel.SMS).body
    values = sample_values()
    assert sms_size(render(body, values)).label == "143 caractères, GSM-7, 1 SMS"
    august = values | {"date": day_text(datetime.date(2026, 8, 4))}
    assert august["date"] == "mardi 4 août"
    assert sms_size(render(body, august)).label == "139 caractères, UCS-2, 3 SMS"
    assert sms_size(render(body, values | {"prenom": "François"})).label == "145 caractères, UCS-2, 3 SMS"
    # The public information's list « À apporter » as it comes (« ê », « · »), added to the SMS.
    longer = body + " Pensez à apporter : {a_apporter}."
    bring = values | {"a_apporter": public_values()["a_apporter"]}
    assert sms_size(render(longer, bring)).label == "353 caractères, UCS-2, 6 SMS"

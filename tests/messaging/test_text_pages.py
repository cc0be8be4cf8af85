"""The page "Textes des messages" (coordination and admins): every text with its SMS size,
the page that edits one (placeholders in French, a preview on fictitious values, the save
with who and when), refusals in French with nothing saved, and what a change does to the
messages queued before and after it."""

import datetime

import pytest
from django.urls import reverse

from messaging.enums import Channel, Kind
from messaging.models import Message, MessageTemplate
from messaging.services import reminders_queue
from messaging.texts import sample_preview
from messaging.texts_services import TextRefused, message_template_update

from ..beneficiaries.files import page_text
from .conftest import book, consenting, starts

pytestmark = pytest.mark.django_db

LIST = reverse("messaging:texts")


def text_of(kind, channel) -> MessageTemplate:
    return MessageTemplate.objects.get(kind=kind, channel=channel)


def edit_url(template) -> str:
    return reverse("messaging:text_edit", args=[template.pk])


@pytest.fixture
def reminder_sms():
    return text_of(Kind.APPOINTMENT_REMINDER, Channel.SMS)


def test_the_list_shows_every_text_with_its_sms_size_in_a_fixed_number_of_queries(
    coord, django_assert_num_queries
):
    # session, user, roles, the texts (with who changed them)
    with django_assert_num_queries(4):
        response = coord.get(LIST)
    text, html = page_text(response), response.content.decode()
    assert response.status_code == 200
    templates = list(MessageTemplate.objects.all())
    assert len(templates) == len(Kind.values) * len(Channel.values)
    for template in templates:
        assert edit_url(template) in html
    sms = text_of(Kind.APPOINTMENT_REMINDER, Channel.SMS)
    size = sample_preview(Channel.SMS, "", sms.body).size
    assert size.label in text and "GSM-7" in size.label


def test_the_messages_page_links_to_the_texts(coord):
    assert LIST in coord.get(reverse("messaging:list")).content.decode()


def test_the_edit_page_lists_the_placeholders_in_french_and_previews_the_saved_text(
    coord, reminder_sms, django_assert_num_queries
):
    # session, user, roles, the text (with who changed it)
    with django_assert_num_queries(4):
        response = coord.get(edit_url(reminder_sms))
    text = page_text(response)
    assert response.status_code == 200
    assert "{a_apporter}" in text and "ce qu'il faut apporter (informations publiques)" in text
    assert "{lien_retrait}" not in text  # e-mails only
    assert "{motif}" not in text  # cancellation notices only
    assert "Bonjour Élodie, rappel de votre rendez-vous emploi le mardi 1 décembre à 9h30" in text
    assert 'name="subject"' not in response.content.decode()  # an SMS has no subject
    # Proven for queued messages by test_queueing.py (no last name, no RSA or RQTH).
    assert "De la personne, un message ne porte que son prénom" in text


def test_the_preview_writes_the_typed_text_on_sample_values_with_its_sms_size(coord, reminder_sms):
    before = reminder_sms.body
    response = coord.post(
        edit_url(reminder_sms), {"body": "Bonjour {prenom}, RDV le {date} à {heure}.", "preview": "1"}
    )
    text = page_text(response)
    assert response.status_code == 200
    assert "Bonjour Élodie, RDV le mardi 1 décembre à 9h30." in text
    assert "En SMS : 47 caractères, GSM-7, 1 SMS." in text
    # Accented letters outside GSM-7: UCS-2, 70 a segment, then 67.
    response = coord.post(edit_url(reminder_sms), {"body": "Ô " * 40 + "{prenom}", "preview": "1"})
    assert "En SMS : 86 caractères, UCS-2, 2 SMS." in page_text(response)
    reminder_sms.refresh_from_db()
    assert reminder_sms.body == before  # a preview saves nothing


def test_an_email_preview_shows_its_subject_and_the_withdrawal_link(coord):
    email = text_of(Kind.ONE_OFF, Channel.EMAIL)
    response = coord.post(
        edit_url(email),
        {"subject": "Pour {prenom}", "body": "{message}\r\n{lien_retrait}", "preview": "1"},
    )
    text = page_text(response)
    assert "Pour Élodie" in text and "Votre dossier est complet." in text
    assert "https://exemple.fr/messages/retrait/" in text and "En SMS" not in text


def test_saving_records_the_text_who_and_when(coord, coordinator, reminder_sms):
    before = reminder_sms.updated_at
    response = coord.post(edit_url(reminder_sms), {"body": "Bonjour {prenom},\r\nà {heure}, {lieu}.  "})
    assert response.status_code == 302 and response.headers["Location"] == LIST
    reminder_sms.refresh_from_db()
    assert reminder_sms.body == "Bonjour {prenom},\nà {heure}, {lieu}."
    assert reminder_sms.updated_by == coordinator and reminder_sms.updated_at > before
    listing = page_text(coord.get(LIST))
    assert "enregistré : les prochains messages l'emploient" in listing


@pytest.mark.parametrize(
    ("kind", "channel", "data", "field", "error"),
    [
        (
            Kind.APPOINTMENT_REMINDER,
            Channel.SMS,
            {"body": "Bonjour {prenom} {nom}"},
            "body",
            "Champ inconnu : {nom}. Champs possibles pour ce message : {a_apporter}, {adresse}, "
            "{contact}, {date}, {heure}, {lieu}, {prenom}.",
        ),
        (Kind.APPOINTMENT_REMINDER, Channel.SMS, {"body": "Lien : {lien_retrait}"}, "body", "Champ inconnu"),
        (Kind.ONE_OFF, Channel.SMS, {"body": "Bonjour {prenom"}, "body", "Accolade mal placée"),
        (Kind.ONE_OFF, Channel.SMS, {"body": "{message:>10}"}, "body", "Accolade mal placée"),
        (Kind.ONE_OFF, Channel.SMS, {"body": "   "}, "body", "Écrivez le texte du message."),
        (Kind.ONE_OFF, Channel.SMS, {"body": "x" * 2001}, "body", "ne peut pas dépasser 2000 caractères"),
        (Kind.ONE_OFF, Channel.EMAIL, {"subject": "", "body": "{message}"}, "subject", "besoin d'un sujet"),
        (Kind.ONE_OFF, Channel.EMAIL, {"subject": "{nom}", "body": "{message}"}, "subject", "Champ inconnu"),
        (Kind.ONE_OFF, Channel.EMAIL, {"subject": "Objet", "body": "a\x00b"}, "body", "caractère nul"),
    ],
)
def test_a_bad_text_is_refused_in_french_and_nothing_is_saved(coord, kind, channel, data, field, error):
    template = text_of(kind, channel)
    before = (template.subject, template.body, template.updated_at)
    for action in ({}, {"preview": "1"}):
        response = coord.post(edit_url(template), data | action)
        assert response.status_code == 400
        assert error in page_text(response)
        assert f'id="error_1_id_{field}"' in response.content.decode()  # under its field
        assert "Aperçu, avec des valeurs fictives" not in page_text(response)
    template.refresh_from_db()
    assert (template.subject, template.body, template.updated_at) == before


def test_the_service_refuses_what_the_form_would_and_saves_nothing(reminder_sms, coordinator):
    with pytest.raises(TextRefused) as refused:
        message_template_update(template=reminder_sms, subject="", body="{nom}", user=coordinator)
    assert refused.value.errors["body"].startswith("Champ inconnu : {nom}.")
    reminder_sms.refresh_from_db()
    assert "{nom}" not in reminder_sms.body and reminder_sms.updated_by is None


def test_an_unknown_text_is_404_and_the_city_and_counsellors_are_refused(client, counsellor, city):
    for user in (counsellor, city):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
    client.force_login(city)
    assert client.get(reverse("messaging:text_edit", args=[999999])).status_code == 403


def test_an_admin_edits_the_texts_too(client, admin_user, reminder_sms):
    client.force_login(admin_user)
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("messaging:text_edit", args=[999999])).status_code == 404
    assert client.post(edit_url(reminder_sms), {"body": "{prenom} : {heure}"}).status_code == 302
    reminder_sms.refresh_from_db()
    assert reminder_sms.body == "{prenom} : {heure}" and reminder_sms.updated_by == admin_user


def test_a_message_queued_after_the_change_has_the_new_text_one_queued_before_keeps_its_own(
    coord, reminder_sms, session
):
    first, second = consenting("Martin", "Awa", email=False), consenting("Petit", "Jean", email=False)
    early = book(first, session, "10:00")
    book(second, session, "16:00")
    # The first reminder is due now, the second one later in the day.
    assert reminders_queue(now=starts(early) - datetime.timedelta(hours=23)) == 1
    before = Message.objects.get(beneficiary=first)
    assert before.body.startswith("Bonjour Awa, rappel de votre rendez-vous emploi le ")

    response = coord.post(edit_url(reminder_sms), {"body": "Awa? Non : {prenom}, à {heure}, {lieu}."})
    assert response.status_code == 302

    assert reminders_queue(now=starts(early) - datetime.timedelta(hours=12)) == 1
    after = Message.objects.get(beneficiary=second)
    assert after.body == f"Awa? Non : Jean, à 16h00, {session.venue.name}."
    before.refresh_from_db()
    assert before.body.startswith("Bonjour Awa, rappel de votre rendez-vous emploi le ")

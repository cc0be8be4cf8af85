"""The texts in the admin: a preview on fictitious values with, for an SMS, its size;
unknown placeholders refused in French; the messages themselves read only."""

import pytest
from django.urls import reverse

from messaging.models import Message, MessageTemplate

from .conftest import consenting

pytestmark = pytest.mark.django_db


def change_url(template):
    return reverse("admin:messaging_messagetemplate_change", args=[template.pk])


def test_the_preview_shows_sample_values_and_the_sms_size(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(kind="appointment_reminder", channel="sms")
    page = client.get(change_url(template)).content.decode()
    assert "Bonjour Élodie, rappel de votre rendez-vous emploi le mardi 1 décembre à 9h30" in page
    assert "caractères, GSM-7, 1 SMS" in page or "caractères, GSM-7, 2 SMS" in page
    assert "{a_apporter}" in page  # the list of placeholders


def test_an_unknown_placeholder_is_refused_in_french(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(kind="appointment_reminder", channel="sms")
    response = client.post(change_url(template), {"subject": "", "body": "Bonjour {prenom} {nom}"})
    assert response.status_code == 200
    assert "Champ inconnu : {nom}." in response.content.decode()
    template.refresh_from_db()
    assert "{nom}" not in template.body

    saved = client.post(change_url(template), {"subject": "", "body": "Bonjour {prenom}, à {heure}."})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.body == "Bonjour {prenom}, à {heure}." and template.updated_by == admin_user


def test_messages_are_read_only_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    message = Message.objects.create(beneficiary=consenting(), channel="sms", kind="one_off", body="Bonjour")
    url = reverse("admin:messaging_message_change", args=[message.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": "Autre"}).status_code == 403
    message.refresh_from_db()
    assert message.body == "Bonjour"

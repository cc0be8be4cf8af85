"""A counsellor's one-off message from the file: only on a channel the person
accepted (explained when none), with the reminder that nothing private goes into
it, a preview of the text as it will leave and, for an SMS, its size; queued once
through message_queue_one_off, whatever the browser does."""

import uuid

import pytest
from django.urls import reverse

from beneficiaries.enums import AnonymisationReason
from beneficiaries.services import beneficiary_anonymise
from messaging.enums import Channel, Kind, Status
from messaging.forms import NOTHING_PRIVATE
from messaging.models import Message

from ..beneficiaries.files import page_text
from ..factories import make_person
from .conftest import consenting

pytestmark = pytest.mark.django_db


def url(person):
    return reverse("messaging:compose", args=[person.pk])


def sent_form(**data):
    return {"token": str(uuid.uuid4()), "channel": "sms", "text": "Votre attestation est prête.", **data}


def test_without_any_consent_the_page_explains_and_offers_no_form(logged):
    person = make_person(phone="06 11 22 33 44")
    response = logged.get(url(person))
    text = page_text(response)
    assert response.status_code == 200
    assert "Aucun canal possible" in text and "notez-le sur son dossier" in text
    assert "<textarea" not in response.content.decode()


def test_only_the_channels_accepted_are_offered_with_the_reminder(logged):
    person = consenting(email=False)
    response = logged.get(url(person))
    html, text = response.content.decode(), page_text(response)
    assert 'value="sms"' in html and 'value="email"' not in html
    assert NOTHING_PRIVATE in text and "RSA" in text and "santé" in text


def test_the_sms_preview_shows_the_text_and_its_size(logged):
    person = consenting()
    response = logged.post(url(person), sent_form(preview="1", text="Rendez-vous mardi à 9h30."))
    text = page_text(response)
    assert response.status_code == 200
    assert "Aperçu : le message tel qu'il partira Rendez-vous mardi à 9h30." in text
    assert "25 caractères, GSM-7, 1 SMS" in text
    assert not Message.objects.exists()
    # An accented capital is outside GSM-7: the SMS is UCS-2, 70 characters a segment.
    response = logged.post(url(person), sent_form(preview="1", text="Ô" * 71))
    assert "71 caractères, UCS-2, 2 SMS" in page_text(response)


def test_the_email_preview_is_written_from_the_one_off_text(logged):
    person = consenting()
    response = logged.post(
        url(person), sent_form(preview="1", channel="email", subject="Attestation", text="Elle est prête.")
    )
    text = page_text(response)
    assert "Attestation" in text and "Bonjour Élodie," in text and "Elle est prête." in text
    assert "caractères" not in text.split("Aperçu")[1]


def test_sending_queues_one_message_by_its_author_and_returns_to_the_file(logged, counsellor):
    person = consenting()
    data = sent_form()
    response = logged.post(url(person), data)
    assert response.status_code == 302 and response.url == reverse("beneficiaries:detail", args=[person.pk])
    message = Message.objects.get()
    assert (message.kind, message.channel, message.status) == (Kind.ONE_OFF, Channel.SMS, Status.QUEUED)
    assert message.body == "Votre attestation est prête." and message.created_by == counsellor
    # Sent again (a double click, the back button): still one message.
    again = logged.post(url(person), data)
    assert again.status_code == 302 and Message.objects.count() == 1
    # It shows on the file's timeline.
    assert "Votre attestation est prête." in page_text(logged.get(response.url))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"channel": "email"}, "Ce canal n'est pas possible"),  # not accepted
        ({"channel": ""}, "Choisissez le canal"),
        ({"text": "   "}, "Écrivez le message"),
        ({"text": "x" * 641}, "ne peut pas dépasser 640 caractères"),
        ({"token": "pas-un-jeton"}, "Formulaire expiré"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_queued(logged, data, problem):
    person = consenting(email=False)
    response = logged.post(url(person), sent_form(**data))
    assert response.status_code == 400 and problem in page_text(response)
    assert not Message.objects.exists()


def test_consent_withdrawn_after_the_page_opened_is_refused(logged):
    from beneficiaries.consent import consent_record

    person = consenting()
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=False)
    response = logged.post(url(person), sent_form())
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_an_anonymised_file_gets_no_message(client, coordinator):
    person = consenting()
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    client.force_login(coordinator)
    assert client.get(url(person)).status_code == 403
    assert client.post(url(person), sent_form()).status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize("role", ["city", "admin_user"])
def test_the_city_and_admins_cannot_write(client, request, role):
    person = consenting()
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(person)).status_code == 403
    assert client.post(url(person), sent_form()).status_code == 403
    assert not Message.objects.exists()


def test_the_page_takes_a_constant_number_of_queries(logged, django_assert_num_queries):
    person = consenting()
    # session, user, roles; the file (with its consents' authors), the audit entry of its read
    with django_assert_num_queries(5):
        assert logged.get(url(person)).status_code == 200

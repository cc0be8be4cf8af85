"""E-mails: the signed withdrawal link (valid, tampered, expired) and its page, the
List-Unsubscribe headers, a real SMTP exchange with a local server (aiosmtpd), and any
django-anymail provider by configuration."""

import datetime
import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_purge
from beneficiaries.consent import has_consent
from beneficiaries.data_services import beneficiary_merge
from messaging.enums import Channel, Status
from messaging.mail import build_email
from messaging.sending import message_send
from messaging.services import message_queue_one_off
from messaging.withdrawal import withdrawal_token, withdrawal_url

from .conftest import consenting

pytestmark = pytest.mark.django_db


def one_off(person, body="Votre attestation est disponible."):
    return message_queue_one_off(beneficiary=person, channel=Channel.EMAIL, subject="", body=body, user=None)


def test_each_email_carries_the_withdrawal_link_and_headers():
    person = consenting(sms=False)
    message_send(one_off(person).pk)
    [sent] = mail.outbox
    url = withdrawal_url(person.pk)
    assert url.startswith("https://permanences.example.org/messages/retrait/")
    link = sent.body.split("Pour ne plus recevoir de courriels de notre part : ")[1].strip()
    assert link.startswith("https://permanences.example.org/messages/retrait/")
    assert sent.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_text_without_its_link_gets_one():
    built = build_email(to="a@example.org", subject="Sujet", body="Bonjour", beneficiary_id=7)
    assert built.body.startswith("Bonjour\n\nPour ne plus recevoir de courriels de notre part : https://")


def test_the_link_shows_a_confirmation_then_withdraws_email_consent_only(client):
    person = consenting()
    url = reverse("messaging:withdraw", kwargs={"token": withdrawal_token(person.pk)})
    page = client.get(url)
    assert page.status_code == 200
    assert (
        "Ne plus recevoir de courriels" in page.content.decode()
        and '<form method="post">' in page.content.decode()
    )
    # What the consent covers, as the desk's form says (the one-off messages too).
    assert "des avis d'annulation et des messages de votre conseiller ou conseillère" in page.content.decode()
    person.refresh_from_db()
    assert has_consent(person, Channel.EMAIL)  # a GET changes nothing (a link preview opens it)

    done = client.post(url)
    assert done.status_code == 200 and "vous ne recevrez plus de courriels" in done.content.decode()
    person.refresh_from_db()
    assert not has_consent(person, Channel.EMAIL) and has_consent(person, Channel.SMS)
    assert client.post(url).status_code == 200  # twice: the same answer


def test_a_one_click_post_from_a_mail_client_withdraws(client):
    person = consenting(sms=False)
    url = reverse("messaging:withdraw", kwargs={"token": withdrawal_token(person.pk)})
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert not has_consent(person, Channel.EMAIL)


@pytest.mark.parametrize("tamper", ["other-file", "signature", "garbage"])
def test_a_tampered_link_changes_nothing(client, tamper):
    person, other = consenting(), consenting("Ba", "Moussa")
    token = withdrawal_token(person.pk)
    if tamper == "other-file":
        token = f"{other.pk}:{token.split(':', 1)[1]}"
    elif tamper == "signature":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        token = "n-importe-quoi"
    url = reverse("messaging:withdraw", kwargs={"token": token})
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 400
        assert "Ce lien n'est pas valable" in response.content.decode()
    for someone in (person, other):
        someone.refresh_from_db()
        assert has_consent(someone, Channel.EMAIL)


def test_an_expired_link_changes_nothing(client, settings, monkeypatch):
    settings.CONSENT_LINK_MAX_AGE_DAYS = 365
    person = consenting()
    long_ago = time.time() - datetime.timedelta(days=366).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    token = withdrawal_token(person.pk)
    monkeypatch.undo()
    response = client.post(reverse("messaging:withdraw", kwargs={"token": token}))
    assert (
        response.status_code == 400 and "Ce lien a expiré : rien n'a été changé." in response.content.decode()
    )
    person.refresh_from_db()
    assert has_consent(person, Channel.EMAIL)


def test_the_link_of_a_file_merged_since_withdraws_on_the_kept_file(client, coordinator):
    kept, removed = consenting("Martin", "Élodie"), consenting("Martin", "Elodie")
    other = consenting("Ba", "Moussa")
    url = reverse("messaging:withdraw", kwargs={"token": withdrawal_token(removed.pk)})
    beneficiary_merge(kept=kept, removed=removed, user=coordinator)
    # A merge after another: the link follows both.
    kept.refresh_from_db()
    beneficiary_merge(kept=other, removed=kept, user=coordinator)
    done = client.post(url)
    assert done.status_code == 200 and "C'est noté" in done.content.decode()
    other.refresh_from_db()
    assert not has_consent(other, Channel.EMAIL) and has_consent(other, Channel.SMS)


def test_a_link_whose_file_cannot_be_followed_claims_no_withdrawal(client, coordinator, settings):
    kept, removed = consenting("Martin", "Élodie"), consenting("Martin", "Elodie")
    url = reverse("messaging:withdraw", kwargs={"token": withdrawal_token(removed.pk)})
    beneficiary_merge(kept=kept, removed=removed, user=coordinator)
    settings.AUDIT_RETENTION_DAYS = 0
    audit_purge(now=timezone.now() + datetime.timedelta(minutes=1))  # the deletion's entry is gone
    page = client.post(url).content.decode()
    assert "C'est noté" not in page
    assert "rien n'a été changé" in page and "ou dites-le à votre" in page
    kept.refresh_from_db()
    assert has_consent(kept, Channel.EMAIL)  # not known: the kept file keeps it, the page says so


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_real_smtp_exchange_with_a_local_server(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
        settings.DEFAULT_FROM_EMAIL = "Permanences emploi <ne-pas-repondre@example.org>"
        person = consenting(sms=False)
        message = one_off(person, body="Votre attestation est disponible à l'accueil.")
        outcome = message_send(message.pk)
        message.refresh_from_db()
        assert outcome == ("sent", None), message.last_error
    finally:
        controller.stop()
    [envelope] = inbox.received
    assert envelope.rcpt_tos == [person.email] and envelope.mail_from == "ne-pas-repondre@example.org"
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert received["Subject"] == "Message de la permanence emploi"
    body = received.get_content()
    assert "Bonjour Élodie" in body and "Votre attestation est disponible à l'accueil." in body
    link = withdrawal_url(person.pk).split("retrait/")[0] + "retrait/"
    assert link in body and received["List-Unsubscribe"].startswith(f"<{link}")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message.refresh_from_db()
    assert message.status == Status.SENT and message.provider_ref == received["Message-ID"]


def test_an_smtp_server_that_refuses_connections_means_a_new_try(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    message = one_off(consenting(sms=False))
    assert message_send(message.pk)[0] == "retry"


def test_any_anymail_provider_by_configuration(settings):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    message = one_off(consenting(sms=False))
    assert message_send(message.pk) == ("sent", None)
    [sent] = mail.outbox
    assert sent.anymail_test_params["subject"] == "Message de la permanence emploi"
    message.refresh_from_db()
    assert message.status == Status.SENT

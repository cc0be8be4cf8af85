"""The Brevo backend against a local fake server that answers as Brevo's API documents
(POST /v3/transactionalSMS/send, header api-key, 201 {"messageId": …}), and the
delivery reports' webhook."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from messaging.enums import Channel, Status
from messaging.models import Message
from messaging.sending import message_send
from messaging.services import message_queue_one_off
from messaging.sms.base import RefusedError, TemporaryError, UnknownResultError
from messaging.sms.brevo import BrevoBackend

from .conftest import consenting

pytestmark = pytest.mark.django_db


class FakeBrevo(BaseHTTPRequestHandler):
    """Answers the next status of `replies`: 201 (accepted), 400, 503, or "slow"
    (reads the request, then answers after the client's timeout)."""

    replies: list = []
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeBrevo.requests.append((self.path, self.headers, body))  # case-insensitive names
        reply = FakeBrevo.replies.pop(0) if FakeBrevo.replies else 201
        if reply == "slow":
            time.sleep(1.5)
            reply = 201
        if reply == 201:
            payload = {"messageId": 1511882900176220 + len(FakeBrevo.requests)}
        else:
            payload = {"code": "invalid_parameter", "message": "Invalid phone number"}
        data = json.dumps(payload).encode()
        try:
            self.send_response(reply)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def brevo(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBrevo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBrevo.replies, FakeBrevo.requests = [], []
    settings.SMS_BACKEND = "brevo"
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.BREVO_API_URL = f"http://127.0.0.1:{server.server_port}/v3"
    settings.BREVO_TIMEOUT_SECONDS = 0.5
    settings.SMS_SENDER = "Aurore"
    settings.BREVO_WEBHOOK_SECRET = "s3cret"
    yield FakeBrevo
    server.shutdown()
    server.server_close()


def one_off(body="Votre attestation est disponible."):
    person = consenting(email=False)
    return message_queue_one_off(beneficiary=person, channel=Channel.SMS, subject="", body=body, user=None)


def test_success_sends_the_documented_request_and_keeps_the_message_id(brevo):
    message = one_off()
    assert message_send(message.pk) == ("sent", None)
    [(path, headers, body)] = brevo.requests
    assert path == "/v3/transactionalSMS/send"
    assert headers["api-key"] == "xkeysib-test" and headers["Content-Type"] == "application/json"
    assert body == {
        "sender": "Aurore",
        "recipient": "33600001234",
        "content": "Votre attestation est disponible.",
        "type": "transactional",
        "unicodeEnabled": False,
        "webUrl": "https://permanences.example.org/messages/rapports/brevo/?secret=s3cret",
    }
    message.refresh_from_db()
    assert (message.status, message.provider_ref) == (Status.SENT, "1511882900176221")


def test_without_a_webhook_secret_no_report_address_is_sent(brevo, settings):
    settings.BREVO_WEBHOOK_SECRET = ""
    assert message_send(one_off().pk) == ("sent", None)
    [(_, _, body)] = brevo.requests
    assert "webUrl" not in body and body["content"] == "Votre attestation est disponible."


def test_a_refusal_fails_at_once(brevo):
    brevo.replies = [400]
    message = one_off()
    assert message_send(message.pk) == ("failed", None)
    message.refresh_from_db()
    assert message.last_error == "Brevo a refusé le SMS (400)." and len(brevo.requests) == 1


def test_a_server_error_is_retried(brevo):
    brevo.replies = [503]
    message = one_off()
    assert message_send(message.pk)[0] == "retry"
    Message.objects.filter(pk=message.pk).update(send_after=message.created_at)
    assert message_send(message.pk) == ("sent", None)
    assert len(brevo.requests) == 2


def test_a_timeout_after_sending_is_an_unknown_result_never_retried(brevo):
    brevo.replies = ["slow"]
    message = one_off()
    assert message_send(message.pk) == ("failed", None)
    message.refresh_from_db()
    assert message.last_error.startswith("Résultat inconnu") and len(brevo.requests) == 1


def test_errors_of_the_backend_itself(brevo, settings):
    backend = BrevoBackend()
    brevo.replies = [429]
    with pytest.raises(TemporaryError):
        backend.send(to="+33600001234", text="x", unicode=False)
    brevo.replies = [404]
    with pytest.raises(RefusedError):
        backend.send(to="+33600001234", text="x", unicode=False)
    brevo.replies = ["slow"]
    with pytest.raises(UnknownResultError):
        backend.send(to="+33600001234", text="x", unicode=False)
    settings.BREVO_API_URL = "http://127.0.0.1:9/v3"  # nothing listens: refused before sending
    with pytest.raises(TemporaryError, match="injoignable"):
        BrevoBackend().send(to="+33600001234", text="x", unicode=False)


def report(client, payload, secret="s3cret"):  # noqa: S107 (the fake server's)
    url = reverse("messaging:brevo_report") + (f"?secret={secret}" if secret is not None else "")
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_delivery_reports_update_the_status_with_the_shared_secret_only(brevo, client):
    delivered, bounced = one_off(), one_off()
    message_send(delivered.pk)
    message_send(bounced.pk)
    delivered.refresh_from_db()
    bounced.refresh_from_db()
    for secret in (None, "", "wrong", "s3cre"):
        response = report(
            client, {"messageId": int(delivered.provider_ref), "msg_status": "delivered"}, secret
        )
        assert response.status_code == 403 and response.content == b""
    delivered.refresh_from_db()
    assert delivered.status == Status.SENT

    assert (
        report(client, {"messageId": int(delivered.provider_ref), "msg_status": "delivered"}).status_code
        == 200
    )
    assert (
        report(client, {"messageId": int(bounced.provider_ref), "msg_status": "hardBounce"}).status_code
        == 200
    )
    assert report(client, {"messageId": 42, "msg_status": "delivered"}).status_code == 200  # unknown: ignored
    delivered.refresh_from_db()
    bounced.refresh_from_db()
    assert delivered.status == Status.DELIVERED
    assert bounced.status == Status.FAILED and "hardbounce" in bounced.last_error


def test_no_secret_configured_refuses_every_report(brevo, client, settings):
    settings.BREVO_WEBHOOK_SECRET = ""
    assert report(client, {"messageId": 1, "msg_status": "delivered"}, secret="").status_code == 403

"""Brevo's transactional SMS API (https://api.brevo.com/v3/transactionalSMS/send).

Documented request: POST, header `api-key`, JSON body `sender`, `recipient`
(international number, country code first, digits only), `content`, `type`
("transactional"), `unicodeEnabled`, and `webUrl`, where Brevo posts the
delivery reports. Documented answer: 201 with `{"messageId": 1511882900176220}`.
The base address is a setting (BREVO_API_URL) so that tests talk to a local
fake server. The standard library's urllib, with a timeout: no dependency.
"""

import http.client
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from .base import RefusedError, SmsBackend, TemporaryError, UnknownResultError

PATH = "/transactionalSMS/send"


def webhook_url() -> str:
    """Where Brevo posts the delivery reports, with the shared secret; empty without one."""
    secret = settings.BREVO_WEBHOOK_SECRET
    if not secret:
        return ""
    return f"{settings.SITE_URL}{reverse('messaging:brevo_report')}?secret={secret}"


class BrevoBackend(SmsBackend):
    def __init__(self):
        if not settings.BREVO_API_KEY:
            raise ImproperlyConfigured(
                "SMS_BACKEND=brevo demande BREVO_API_KEY (voir README, Configuration)."
            )
        self.url = settings.BREVO_API_URL.rstrip("/") + PATH
        self.timeout = settings.BREVO_TIMEOUT_SECONDS

    def body(self, *, to: str, text: str, unicode: bool) -> dict:
        body = {
            "sender": settings.SMS_SENDER,
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
            "unicodeEnabled": unicode,
        }
        if url := webhook_url():
            body["webUrl"] = url
        return body

    def send(self, *, to: str, text: str, unicode: bool) -> str:
        request = urllib.request.Request(  # noqa: S310 (an https:// address from the settings)
            self.url,
            data=json.dumps(self.body(to=to, text=text, unicode=unicode)).encode(),
            method="POST",
            headers={
                "api-key": settings.BREVO_API_KEY,
                "accept": "application/json",
                "content-type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (https)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise _http_error(error.code) from None
        except urllib.error.URLError as error:
            # Raised while connecting or sending the request: Brevo never had it.
            raise TemporaryError(f"Brevo injoignable ({type(error.reason).__name__}).") from None
        except (TimeoutError, http.client.HTTPException, ConnectionError, ValueError) as error:
            # The request left and no (readable) answer came back: perhaps sent.
            raise UnknownResultError(
                f"pas de réponse de Brevo après l'envoi ({type(error).__name__})"
            ) from None
        return str(answer.get("messageId", ""))


def _http_error(status: int) -> Exception:
    if status == 429 or status >= 500:
        return TemporaryError(f"Brevo a répondu {status} (erreur passagère).")
    return RefusedError(f"Brevo a refusé le SMS ({status}).")

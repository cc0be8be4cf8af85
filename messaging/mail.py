"""E-mails through Django's e-mail framework (SMTP, or any django-anymail provider by
configuration): each one carries the signed withdrawal link, in its text and in the
List-Unsubscribe headers (RFC 2369, and RFC 8058's one-click POST)."""

import re
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.message import make_msgid

from .sms.base import RefusedError, TemporaryError, UnknownResultError
from .withdrawal import withdrawal_url

FOOTER = "Pour ne plus recevoir de courriels de notre part : {url}"


LINK = re.compile(r"https?://\S+/messages/retrait/[^/\s]+/")


def build_email(*, to: str, subject: str, body: str, beneficiary_id: int) -> EmailMessage:
    # A text written from a template has its link ({lien_retrait}); any other gets one.
    if found := LINK.search(body):
        url = found.group(0)
    else:
        url = withdrawal_url(beneficiary_id)
        body = f"{body.rstrip()}\n\n{FOOTER.format(url=url)}"
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": make_msgid(domain=domain),
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def send_email(message: EmailMessage) -> str:
    """Send; the Message-ID is the reference. Errors as the SMS backends' (sms/base.py)."""
    try:
        mailers.default.send_messages([message])
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise TemporaryError(f"serveur de courriel : erreur passagère {error.smtp_code}") from None
        raise RefusedError(f"serveur de courriel : refus {error.smtp_code}") from None
    except smtplib.SMTPRecipientsRefused:
        raise RefusedError("serveur de courriel : adresse refusée") from None
    except (ConnectionRefusedError, smtplib.SMTPConnectError, socket.gaierror) as error:
        raise TemporaryError(f"serveur de courriel injoignable ({type(error).__name__})") from None
    except Exception as error:
        status = getattr(error, "status_code", None)  # django-anymail's API errors
        if isinstance(status, int) and (status == 429 or status >= 500):
            raise TemporaryError(f"prestataire de courriel : erreur passagère {status}") from None
        if isinstance(status, int) and 400 <= status < 500:
            raise RefusedError(f"prestataire de courriel : refus {status}") from None
        raise UnknownResultError(f"courriel : {type(error).__name__}") from None
    return message.extra_headers["Message-ID"]

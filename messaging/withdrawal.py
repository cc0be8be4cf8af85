"""The signed link of every e-mail that withdraws e-mail consent without logging in.

The link names the file (its number), signed with the site's SECRET_KEY and a
salt of its own, with the time it was made: valid CONSENT_LINK_MAX_AGE_DAYS days.
A tampered or expired link changes nothing.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "messaging.withdraw-email-consent"


def withdrawal_token(beneficiary_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(beneficiary_id))


def withdrawal_url(beneficiary_id: int) -> str:
    path = reverse("messaging:withdraw", kwargs={"token": withdrawal_token(beneficiary_id)})
    return f"{settings.SITE_URL}{path}"


class InvalidLink(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def beneficiary_of(token: str) -> int:
    """The file a link names; InvalidLink when tampered or expired."""
    max_age = datetime.timedelta(days=settings.CONSENT_LINK_MAX_AGE_DAYS)
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidLink(expired=False) from None
    if not value.isdigit():
        raise InvalidLink(expired=False)
    return int(value)

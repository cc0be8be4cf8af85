"""The signed link of every e-mail that withdraws e-mail consent without logging in.

The link names the file (its number), signed with the site's SECRET_KEY and a
salt of its own, with the time it was made: valid CONSENT_LINK_MAX_AGE_DAYS days.
A tampered or expired link changes nothing. A link of a file merged since into
another follows the merge (`file_now`).
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.models import Beneficiary, BeneficiaryMerge

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


def file_now(beneficiary_id: int) -> int | None:
    """The file that a link's number names today: that file, or else the one it was merged
    into (the audit trail's entry of its deletion gives its reference, the merge records where
    it went, a merge after another followed too); None when where it went is not known (a file
    deleted without a merge, or its entry purged after AUDIT_RETENTION_DAYS)."""
    if Beneficiary.objects.filter(pk=beneficiary_id).exists():
        return beneficiary_id
    ref = (
        AuditEntry.objects.filter(
            action=AuditAction.DELETE, object_type="beneficiaries.beneficiary", object_id=str(beneficiary_id)
        )
        .values_list("file_ref", flat=True)
        .first()
    )
    seen: set[str] = set()
    while ref and ref not in seen:
        seen.add(ref)
        if found := Beneficiary.objects.filter(ref=ref).values_list("pk", flat=True).first():
            return found
        ref = BeneficiaryMerge.objects.filter(removed_ref=ref).values_list("kept_ref", flat=True).first()
    return None

"""Phone numbers for the SMS providers: E.164 (+33612345678)."""

import re

from beneficiaries.normalise import normalise_phone


def to_e164(phone: str) -> str | None:
    """A French number (06 12 34 56 78, +33 6…, 0033 6…) or an international one (+…)
    in E.164, or None when it is not a phone number at all."""
    text = normalise_phone(phone or "")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if len(digits) == 10 and digits.startswith("0") and digits[1] != "0":
        return f"+33{digits[1:]}"
    return None


def sms_number(phone: str) -> str | None:
    """The E.164 number an SMS can be sent to: a French mobile (06, 07) or a foreign
    number; None for a French landline or anything else."""
    number = to_e164(phone)
    if number is None:
        return None
    if number.startswith("+33") and number[3] not in "67":
        return None
    return number

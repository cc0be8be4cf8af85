"""Phone numbers in E.164 for the SMS providers."""

import pytest

from messaging.phones import sms_number, to_e164


@pytest.mark.parametrize(
    ("typed", "e164", "sms"),
    [
        ("06 12 34 56 78", "+33612345678", "+33612345678"),
        ("07.12.34.56.78", "+33712345678", "+33712345678"),
        ("+33 6 12 34 56 78", "+33612345678", "+33612345678"),
        ("0033612345678", "+33612345678", "+33612345678"),
        ("01 48 00 00 00", "+33148000000", None),  # a landline: no SMS
        ("+44 20 7946 0000", "+442079460000", "+442079460000"),
        ("12", None, None),
        ("", None, None),
        ("appeler l'accueil", None, None),
    ],
)
def test_numbers(typed, e164, sms):
    assert to_e164(typed) == e164
    assert sms_number(typed) == sms

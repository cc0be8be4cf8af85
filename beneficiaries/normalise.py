"""Text normalisation for searching and matching persons' names.

The same function builds the stored search key and normalises what a
counsellor types, so that both sides always compare alike.
"""

import re
import unicodedata

# Letters that carry no combining mark in Unicode, hence survive NFKD.
_SPECIAL_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ß": "ss"}
)
# Any run of characters that is neither a letter nor a digit, in any script.
_SEPARATORS = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, accents stripped, punctuation as single spaces (NFC).

    "Élodie  D'Àrc-Nguyễn" -> "elodie d arc nguyen".
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_SPECIAL_LETTERS)
    return unicodedata.normalize("NFC", _SEPARATORS.sub(" ", text).strip())


# The length of the stored key (Beneficiary.search_key). Normalising can make a
# name longer ("ß" -> "ss", "ﬃ" -> "ffi"): the key is cut to fit, which only
# makes two extremely long names that differ past that point compare alike.
SEARCH_KEY_LENGTH = 201


def search_key(last_name: str, first_name: str) -> str:
    return normalise(f"{last_name} {first_name}")[:SEARCH_KEY_LENGTH].rstrip()


_PHONE_CHARS = re.compile(r"^[\d\s.\-+()/]+$")


def normalise_phone(raw: str) -> str:
    """French numbers as "06 12 34 56 78" (also from +33 / 0033); others as typed.

    Anything that is not a phone number (letters…) is kept as typed, trimmed.
    """
    text = " ".join(raw.split())
    if not text or not _PHONE_CHARS.match(text):
        return text
    digits = re.sub(r"\D", "", text)
    if text.startswith("+33") or digits.startswith("0033"):
        digits = "0" + digits[2 if text.startswith("+") else 4 :].lstrip("0")
    elif text.startswith("+"):
        return text
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return text


def looks_like_phone(text: str) -> bool:
    """Digits and phone punctuation only, at least four digits."""
    text = text.strip()
    return bool(_PHONE_CHARS.match(text)) and len(re.sub(r"\D", "", text)) >= 4


def phone_digits(raw: str) -> str:
    """The digits of a typed phone number, in the national form used by `normalise_phone`."""
    normalised = normalise_phone(raw)
    return re.sub(r"\D", "", normalised)

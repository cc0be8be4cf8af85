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


def search_key(last_name: str, first_name: str) -> str:
    return normalise(f"{last_name} {first_name}")

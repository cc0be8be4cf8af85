"""Numbers read from request parameters and form fields."""

ASCII_DIGITS = frozenset("0123456789")


def ascii_int(value) -> int | None:
    """The number written with ASCII digits only, else None.

    `str.isdigit()` is true of "²", "١٢" or "１２", which `int()` then refuses
    or reads as another number: a parameter is a number only when every
    character is one of 0-9.
    """
    text = str(value)
    if not text or len(text) > 18 or not set(text) <= ASCII_DIGITS:
        return None
    return int(text)

"""Dates typed in a form or a search box, or written in an imported file: one parser for all."""

import datetime
import re

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_FRENCH = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


# The earliest day of any record (a session, a visit, a referral, an outcome, a workshop),
# shared by the forms, the constraints and the importer of every app. A 1 January:
# messages say "avant 1990".
EARLIEST_ACTIVITY = datetime.date(1990, 1, 1)


class ImpossibleDate(ValueError):
    """A well-written date of a day that does not exist, such as 31/02/2024."""


def parse_date(text: str) -> datetime.date:
    """The date written dd/mm/yyyy (the French way) or yyyy-mm-dd (ISO), spaces around tolerated.

    Raises ValueError for any other text, and its subclass ImpossibleDate for a
    day that does not exist, so that a caller can tell the two apart.
    """
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _FRENCH.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(f"Not a date written dd/mm/yyyy or yyyy-mm-dd: {text!r}")
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ImpossibleDate(f"No such day: {text!r}") from error

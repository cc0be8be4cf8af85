"""Ages and age bands, the same for the bilan and for anonymisation."""

import datetime

from .enums import AgeBand

# Lower bounds of the bands: under 26, 26 to 49, 50 and over. The bilan's
# attendance triggers write the same bands (reporting/migrations/0003, frozen
# SQL): new bounds need a migration there too (tests/reporting/test_attendance.py
# compares them).
BAND_26 = 26
BAND_50 = 50


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: datetime.date | None, day: datetime.date) -> AgeBand:
    if birth_date is None:
        return AgeBand.UNKNOWN
    age = age_on(birth_date, day)
    if age < BAND_26:
        return AgeBand.UNDER_26
    if age < BAND_50:
        return AgeBand.FROM_26_TO_49
    return AgeBand.FROM_50


def generalised_birth_date(birth_date: datetime.date, visit_dates: list[datetime.date]) -> datetime.date:
    """A coarser birth date (1 January, 1 July or the 1st of the month of the same
    year) that puts the person in the same age band at every visit, so that an
    anonymised file leaves every past bilan unchanged; the exact date only when
    no coarser one does."""
    bands = [age_band(birth_date, day) for day in visit_dates]
    for candidate in (
        birth_date.replace(month=1, day=1),
        birth_date.replace(month=7, day=1),
        birth_date.replace(day=1),
    ):
        if [age_band(candidate, day) for day in visit_dates] == bands:
            return candidate
    return birth_date

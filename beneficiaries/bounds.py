"""Plausibility bounds of what is typed or imported, and the French words that refuse it.

One module for the forms, the database constraints (models.py) and the
importer, so that a value one of them refuses is refused by the others, in the
same words. The constraints hold the fixed bounds; the forms and the importer
add those that move with today (ages, "not in the future", "within a year").
"""

import datetime

# Visits, referrals, outcome starts, workshops and sessions: one floor for every app.
from core.dates import EARLIEST_ACTIVITY

from .ages import age_on

# The database's floor for birth dates; the ages below are stricter today.
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# The ages, today, of the persons a drop-in receives.
MIN_AGE = 14
MAX_AGE = 100

NOTES_MAX_LENGTH = 2000
MIN_DURATION_MINUTES = 1
MAX_DURATION_MINUTES = 600
# "Within a year": a next step's due date, an outcome's start (a leap day included).
YEAR_AHEAD = datetime.timedelta(days=366)
# The latest end of an outcome after its start: ten years.
LONGEST_OUTCOME = datetime.timedelta(days=10 * 366)
# The places of a workshop: a meeting room of a centre social holds a few dozen.
MIN_CAPACITY = 1
MAX_CAPACITY = 60
FACILITATOR_NAME_MAX_LENGTH = 100


def birth_date_problem(birth_date: datetime.date, today: datetime.date) -> str | None:
    """Why a birth date is implausible, or None."""
    shown = f"{birth_date:%d/%m/%Y}"
    if birth_date > today:
        return f"Date de naissance dans le futur ({shown})."
    age = age_on(birth_date, today)
    if birth_date < EARLIEST_BIRTH or age > MAX_AGE:
        return f"Date de naissance invraisemblable ({shown}) : plus de {MAX_AGE} ans, vérifiez l'année."
    if age < MIN_AGE:
        return f"Date de naissance invraisemblable ({shown}) : moins de {MIN_AGE} ans, vérifiez l'année."
    return None


def too_early_problem(day: datetime.date, what: str) -> str | None:
    """Why a visit, referral or outcome date is implausible because too early, or None."""
    if day < EARLIEST_ACTIVITY:
        return f"{what} invraisemblable ({day:%d/%m/%Y}) : avant {EARLIEST_ACTIVITY.year}."
    return None


def outcome_start_problem(start: datetime.date, today: datetime.date) -> str | None:
    """Why an outcome's start date is implausible, or None."""
    if start > today + YEAR_AHEAD:
        return f"Date de début invraisemblable ({start:%d/%m/%Y}) : plus d'un an après aujourd'hui."
    return too_early_problem(start, "Date de début")


def end_before_start_problem(start: datetime.date, end: datetime.date) -> str | None:
    if end < start:
        return (
            f"La date de fin ({end:%d/%m/%Y}) précède la date de début ({start:%d/%m/%Y}) : "
            "elle doit lui être égale ou postérieure."
        )
    return None


def outcome_end_problem(start: datetime.date, end: datetime.date) -> str | None:
    """Why an outcome's end date is implausible, or None."""
    if end > start + LONGEST_OUTCOME:
        return "Date de fin invraisemblable : plus de dix ans après le début."
    return end_before_start_problem(start, end)


def capacity_problem(capacity: int) -> str | None:
    """Why a workshop's number of places is implausible, or None."""
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        return f"La capacité doit être comprise entre {MIN_CAPACITY} et {MAX_CAPACITY} places."
    return None


def workshop_date_problem(day: datetime.date, today: datetime.date) -> str | None:
    """Why a workshop's date is implausible, or None: before 1990, or more than a year ahead."""
    if day > today + YEAR_AHEAD:
        return f"Date de l'atelier invraisemblable ({day:%d/%m/%Y}) : plus d'un an après aujourd'hui."
    return too_early_problem(day, "Date de l'atelier")

"""The fictitious persons of the demo, drawn before they are saved."""

import datetime
import random
from dataclasses import dataclass, field

from beneficiaries.enums import QualificationLevel, Sex, TriState
from beneficiaries.models import Beneficiary
from beneficiaries.normalise import normalise
from permanences.models import Quarter, Venue

from . import names


@dataclass
class Person:
    """A person being generated, before the bulk insert."""

    row: Beneficiary
    home_venue: Venue
    year: int
    visit_dates: list[datetime.date] = field(default_factory=list)


def draft_person(
    rng: random.Random,
    *,
    year: int,
    sex: str,
    number: int,
    venues: list[Venue],
    quarters: list[Quarter],
    author,
) -> Person:
    """A person first seen in `year`, mostly living near the venue they come to;
    `number` (from 1) makes their fictitious phone number."""
    first_names = names.FEMALE_FIRST_NAMES if sex == Sex.FEMALE else names.MALE_FIRST_NAMES
    if sex == Sex.NOT_STATED:
        first_names = names.FEMALE_FIRST_NAMES + names.MALE_FIRST_NAMES
    first_name = rng.choice(first_names)
    last_name = rng.choice(names.FAMILY_NAMES)
    home_venue = rng.choice(venues)
    roll = rng.random()
    if roll < 0.75:
        quarter = home_venue.quarter
    elif roll < 0.9:
        quarter = rng.choice(quarters)
    else:
        quarter = None
    birth_date = None
    if rng.random() > 0.04:
        age = rng.choices([rng.randint(18, 25), rng.randint(26, 49), rng.randint(50, 64)], [2, 6, 2])[0]
        birth_date = datetime.date(year - age, rng.randint(1, 12), rng.randint(1, 28))
    # An address Django's e-mail validator accepts: ASCII, no spaces.
    slug = ".".join(normalise(name).replace(" ", "") for name in (first_name, last_name))
    row = Beneficiary(
        last_name=last_name,
        first_name=first_name,
        sex=sex,
        birth_date=birth_date,
        phone=f"06 39 98 {number // 100 % 100:02d} {number % 100:02d}" if rng.random() < 0.85 else "",
        email=f"{slug}@example.org" if rng.random() < 0.4 else "",
        quarter=quarter,
        france_travail=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [6, 2, 2])[0],
        rsa=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [3, 5, 2])[0],
        rqth=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [1, 12, 7])[0],
        qualification_level=rng.choice(["", *QualificationLevel.values]),
        created_by=author,
        updated_by=author,
    )
    return Person(row=row, home_venue=home_venue, year=year)

"""Small years of activity full of counts from 1 to 4, for the statistical
disclosure tests: three venues in two quarters (one with two venues),
residents of three quarters and of none; a few dozen persons over three
years, or several such groups, each over its own years.

Drawn from seeded generators, so that a seed always builds the same rows.
"""

import datetime
import random

from beneficiaries.enums import AttendanceMark, OutcomeKind, Partner, ReferralStatus, RegistrationStatus, Sex
from beneficiaries.models import Outcome, Referral, WorkshopRegistration
from permanences.models import Quarter, Venue

from ..factories import make_permanence, make_person, make_visit, make_workshop

YEARS = (2022, 2023, 2024)


def build_site() -> dict:
    """The quarters and venues (every group of persons shares them)."""
    quarters = [
        Quarter.objects.create(name="Bel Air – Grands Pêchers", is_priority=True),
        Quarter.objects.create(name="Bas Montreuil – République"),
        Quarter.objects.create(name="La Noue", is_priority=True),
    ]
    venues = [
        Venue.objects.create(name="Centre social Grand Air", quarter=quarters[0]),
        Venue.objects.create(name="Antenne Bel Air", quarter=quarters[0]),
        Venue.objects.create(name="Centre social Lounès Matoub", quarter=quarters[1]),
    ]
    return {"venues": venues, "quarters": quarters}


def build(seed: int, size: int, years=YEARS, site: dict | None = None) -> dict:
    """`size` persons seen over `years` (on a new site unless one is given)."""
    site = site or build_site()
    rng = random.Random(seed)
    quarters, venues = site["quarters"], site["venues"]
    sessions = {
        year: [
            make_permanence(venue, datetime.date(year, month, rng.randint(1, 28)))
            for venue in venues
            for month in sorted(rng.sample(range(1, 13), rng.randint(3, 7)))
        ]
        for year in years
    }
    persons = []
    for number in range(size):
        person = make_person(
            f"Personne{seed}-{number}",
            sex=rng.choices([Sex.FEMALE, Sex.MALE, Sex.NOT_STATED], [55, 35, 10])[0],
            birth_date=None if rng.random() < 0.15 else datetime.date(rng.randint(1960, 2006), 6, 15),
            quarter=rng.choice([*quarters, None]),
        )
        persons.append(person)
        home = rng.choice(venues)
        first = rng.randrange(len(years))
        for year in years[first : first + rng.randint(1, 3)]:
            _attend(rng, person, home, sessions[year], year)
    # Their own generator: the rows above stay those every seed always built.
    _workshops(random.Random(seed + 1000), persons, venues, years)
    return site


def _workshops(rng, persons, venues, years) -> None:
    """A few workshops a year, a handful of persons at each (some of them seen at
    no visit that year), present, absent, excused or waiting."""
    marks = [AttendanceMark.PRESENT] * 3 + [AttendanceMark.ABSENT, AttendanceMark.EXCUSED]
    for year in years:
        for number in range(rng.randint(0, 3)):
            day = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            workshop = make_workshop(
                rng.choice(venues), day, start=f"{9 + number:02d}:00", end=f"{10 + number:02d}:00"
            )
            for person in rng.sample(persons, k=min(len(persons), rng.randint(1, 7))):
                waiting = rng.random() < 0.1
                WorkshopRegistration.objects.create(
                    workshop=workshop,
                    beneficiary=person,
                    status=RegistrationStatus.WAITING if waiting else RegistrationStatus.REGISTERED,
                    attendance="" if waiting else rng.choice(marks),
                )


def _attend(rng, person, home, sessions, year):
    """One to four visits in `year`, mostly at `home`; perhaps outcomes and referrals."""
    at_home = [s for s in sessions if s.venue_id == home.pk]
    count = rng.choice([1, 1, 2, 3, 4])
    chosen = set()
    while len(chosen) < count:
        chosen.add(rng.choice(at_home if rng.random() < 0.7 else sessions))
    visits = [make_visit(person, session) for session in sorted(chosen, key=lambda s: s.date)]
    for visit in visits:
        if rng.random() < 0.3:
            status = rng.choice(ReferralStatus.values)
            Referral.objects.create(
                beneficiary=person,
                visit=visit,
                partner=rng.choice(Partner.values),
                proposed_on=visit.date,
                status=status,
                checked_on=None if status == ReferralStatus.PROPOSED else visit.date,
            )
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        start = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        kind = rng.choice(OutcomeKind.values)
        end = start + datetime.timedelta(days=rng.choice([30, 120, 200, 400])) if rng.random() < 0.7 else None
        Outcome.objects.create(beneficiary=person, kind=kind, start_date=start, end_date=end)

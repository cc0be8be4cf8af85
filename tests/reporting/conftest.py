"""A small year of activity with two rows of every relation, for the pages and exports."""

import datetime

import pytest

from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Outcome, Referral
from permanences.models import Quarter, Venue

from ..factories import make_permanence, make_person, make_visit

YEAR = 2023
D = datetime.date.fromisoformat

# Identifying values that must never reach the city.
SECRET_NAMES = ("Zébulon", "Quasimodo")
SECRET_PHONE = "06 39 98 77 66"
SECRET_BIRTH_DATE = D("1981-07-14")


@pytest.fixture
def dataset(venue, quarter):
    """Two venues in two quarters; persons of both sexes and an unknown one,
    seen in YEAR and the year before; outcomes and referrals."""
    noue = Quarter.objects.create(name="La Noue", is_priority=True)
    other = Venue.objects.create(name="Lieu d'accueil La Noue", quarter=noue)
    persons = [
        make_person(
            "Zébulon",
            "Ariane",
            sex=Sex.FEMALE,
            quarter=quarter,
            phone=SECRET_PHONE,
            birth_date=SECRET_BIRTH_DATE,
        ),
        make_person("Quasimodo", "Bruno", sex=Sex.MALE, quarter=noue, birth_date=D("2001-02-03")),
        make_person("Durand", "Chris", sex=Sex.NOT_STATED),
    ]
    persons += [make_person(f"Femme{i}", "Dora", sex=Sex.FEMALE, quarter=noue) for i in range(6)]
    days = [D(f"{YEAR}-01-09"), D(f"{YEAR}-03-06"), D(f"{YEAR - 1}-11-07")]
    sessions = {(v.pk, d): make_permanence(v, d) for v in (venue, other) for d in days}
    for index, person in enumerate(persons):
        where = venue if index % 2 == 0 else other
        make_visit(person, sessions[(where.pk, days[0])])
        if index < 3:
            make_visit(person, sessions[(other.pk if where == venue else venue.pk, days[1])])
            make_visit(person, sessions[(where.pk, days[2])])
    Outcome.objects.create(beneficiary=persons[0], kind=OutcomeKind.CDI, start_date=D(f"{YEAR}-04-01"))
    Outcome.objects.create(
        beneficiary=persons[1],
        kind=OutcomeKind.FORMATION,
        start_date=D(f"{YEAR}-05-01"),
        end_date=D(f"{YEAR}-07-01"),
    )
    for person, partner in [(persons[0], Partner.FRANCE_TRAVAIL), (persons[1], Partner.PLIE)]:
        visit = person.visits.order_by("date").last()
        Referral.objects.create(
            beneficiary=person,
            visit=visit,
            partner=partner,
            proposed_on=visit.date,
            status=ReferralStatus.DONE,
            checked_on=visit.date,
        )
    return {"venues": [venue, other], "quarters": [quarter, noue], "persons": persons}

"""The bilan's figures on small hand-made datasets, exact at every boundary."""

import datetime

import pytest

from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Outcome, Referral
from permanences.enums import PermanenceStatus
from permanences.models import Quarter, Venue
from reporting.bilan import compute_bilan
from reporting.figures import Bilan, percent

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
Y = 2023


@pytest.fixture
def other_venue(db):
    quarter = Quarter.objects.create(name="La Noue", is_priority=True, qpv_code="QN09301M")
    return Venue.objects.create(name="Lieu d'accueil La Noue", quarter=quarter)


def visit_on(person, venue, day):
    """A visit at a held permanence of `venue` on `day` (one permanence per venue and day)."""
    permanence = venue.permanences.filter(date=D(day)).first() or make_permanence(venue, D(day))
    return make_visit(person, permanence)


def outcome(person, kind, start, end=None):
    return Outcome.objects.create(
        beneficiary=person, kind=kind, start_date=D(start), end_date=D(end) if end else None
    )


# --- the year's bounds --------------------------------------------------------


def test_it_counts_visits_on_the_first_and_last_day_of_the_year_and_not_a_day_outside(venue):
    inside_first, inside_last = make_person("Premier"), make_person("Dernier")
    before, after = make_person("Avant"), make_person("Après")
    visit_on(inside_first, venue, f"{Y}-01-01")
    visit_on(inside_last, venue, f"{Y}-12-31")
    visit_on(before, venue, f"{Y - 1}-12-31")
    visit_on(after, venue, f"{Y + 1}-01-01")

    bilan = compute_bilan(Y)

    assert (bilan.persons, bilan.appointments, bilan.permanences_held) == (2, 2, 2)
    assert bilan.by_month[0].appointments == 1 and bilan.by_month[11].appointments == 1
    assert sum(m.appointments for m in bilan.by_month) == 2
    assert compute_bilan(Y - 1).persons == 1
    assert compute_bilan(Y + 1).persons == 1


def test_a_person_seen_in_two_years_counts_in_both_and_is_new_only_in_the_first(venue):
    person = make_person()
    visit_on(person, venue, f"{Y - 1}-06-01")
    visit_on(person, venue, f"{Y}-03-01")
    visit_on(person, venue, f"{Y}-04-01")
    newcomer = make_person("Nouveau", sex=Sex.MALE)
    visit_on(newcomer, venue, f"{Y}-04-01")

    last_year, this_year = compute_bilan(Y - 1), compute_bilan(Y)

    assert (last_year.persons, last_year.new_persons) == (1, 1)
    assert (this_year.persons, this_year.new_persons, this_year.appointments) == (2, 1, 3)


# --- outcomes -----------------------------------------------------------------


def test_outcomes_count_in_the_year_they_start_for_persons_seen_that_year(venue):
    last_seen_before = make_person("Partie")
    visit_on(last_seen_before, venue, f"{Y - 1}-11-15")
    outcome(last_seen_before, OutcomeKind.CDI, f"{Y}-01-10")  # seen in Y-1 only: not counted in Y
    seen = make_person("Reçue")
    visit_on(seen, venue, f"{Y}-05-02")
    outcome(seen, OutcomeKind.CDD, f"{Y + 1}-01-01", f"{Y + 1}-12-31")  # starts in Y+1: not in Y
    outcome(seen, OutcomeKind.FORMATION, f"{Y - 1}-12-31", f"{Y}-02-01")  # started before Y: not in Y

    bilan = compute_bilan(Y)

    assert bilan.persons_with_outcome == 0
    assert bilan.outcomes == dict.fromkeys(OutcomeKind.values, 0)
    assert compute_bilan(Y - 1).persons_with_outcome == 0  # the CDI starts in Y
    assert compute_bilan(Y + 1).persons_with_outcome == 0  # not seen in Y+1


def test_two_outcomes_of_one_person_count_twice_but_the_person_once(venue):
    person = make_person()
    visit_on(person, venue, f"{Y}-02-01")
    outcome(person, OutcomeKind.FORMATION, f"{Y}-03-01", f"{Y}-05-31")
    outcome(person, OutcomeKind.ALTERNANCE, f"{Y}-09-01", f"{Y + 2}-08-31")

    bilan = compute_bilan(Y)

    assert bilan.persons_with_outcome == 1
    assert bilan.outcomes == {**dict.fromkeys(OutcomeKind.values, 0), "formation": 1, "alternance": 1}
    assert bilan.outcomes_total == 2
    assert bilan.outcomes_grouped == {
        "cdi": 0,
        "cdd": 0,
        "contrat_aide_ou_apprentissage": 1,
        "formation": 1,
        "autres": 0,
    }
    assert (bilan.employment.persons, bilan.employment.outcomes) == (1, 1)
    assert (bilan.training.persons, bilan.training.outcomes) == (1, 1)


def test_durable_employment_is_cdi_creation_and_cdd_or_interim_of_six_months_or_more(venue):
    people = {name: make_person(name) for name in "ABCDEFG"}
    for person in people.values():
        visit_on(person, venue, f"{Y}-01-02")
    outcome(people["A"], OutcomeKind.CDI, f"{Y}-02-01")
    outcome(people["B"], OutcomeKind.CREATION_ACTIVITE, f"{Y}-02-01")
    outcome(people["C"], OutcomeKind.CDD, f"{Y}-01-01", f"{Y}-06-30")  # six months, end day included
    outcome(people["D"], OutcomeKind.CDD, f"{Y}-01-01", f"{Y}-06-29")  # a day short
    outcome(people["E"], OutcomeKind.INTERIM, f"{Y}-08-15", f"{Y + 1}-02-14")  # six months across years
    outcome(people["F"], OutcomeKind.CDD, f"{Y}-03-01")  # end unknown: not counted as durable
    outcome(people["G"], OutcomeKind.CONTRAT_AIDE, f"{Y}-03-01", f"{Y + 1}-03-01")  # not in the definition

    bilan = compute_bilan(Y)

    assert (bilan.durable_employment.persons, bilan.durable_employment.outcomes) == (4, 4)
    assert (bilan.employment.persons, bilan.employment.outcomes) == (7, 7)
    assert bilan.training.persons == 0


# --- persons: sex, rounding, age, quarters ---------------------------------------


def test_unknown_sex_is_counted_apart_and_shares_round_half_up(venue):
    # 5 women, 3 men of 8: 62.5 % -> 63, 37.5 % -> 38 (the two may sum to 101).
    for i in range(5):
        visit_on(make_person(f"Femme{i}", sex=Sex.FEMALE), venue, f"{Y}-03-0{i + 1}")
    for i in range(3):
        visit_on(make_person(f"Homme{i}", sex=Sex.MALE), venue, f"{Y}-03-0{i + 1}")
    visit_on(make_person("Inconnu", sex=Sex.NOT_STATED), venue, f"{Y}-03-09")

    bilan = compute_bilan(Y)

    assert (bilan.persons, bilan.women, bilan.men, bilan.sex_unknown) == (9, 5, 3, 1)
    assert (bilan.women_pct, bilan.men_pct) == (percent(5, 9), percent(3, 9)) == (56, 33)
    assert percent(5, 8) == 63 and percent(3, 8) == 38 and percent(1, 8) == 13
    assert percent(1, 3) == 33 and percent(2, 3) == 67 and percent(0, 0) == 0


def test_age_is_taken_at_the_first_visit_of_the_year(venue):
    turns_26_that_day = make_person("A", birth_date=D(f"{Y - 26}-03-01"))
    turns_26_next_day = make_person("B", birth_date=D(f"{Y - 26}-03-02"))
    turns_50_that_day = make_person("C", birth_date=D(f"{Y - 50}-03-01"))
    aged_49 = make_person("D", birth_date=D(f"{Y - 50}-03-02"))
    unknown = make_person("E")
    for person in (turns_26_that_day, turns_26_next_day, turns_50_that_day, aged_49, unknown):
        visit_on(person, venue, f"{Y}-03-01")
    # Seen again later in the year, past a birthday: the first visit decides.
    visit_on(turns_26_next_day, venue, f"{Y}-12-01")
    visit_on(aged_49, venue, f"{Y}-12-01")
    # A visit of the year before does not count either.
    visit_on(turns_26_that_day, venue, f"{Y - 1}-03-01")

    assert compute_bilan(Y).age_bands == {"moins_de_26": 1, "26_49": 2, "50_et_plus": 1, "inconnu": 1}


def test_it_breaks_persons_down_by_quarter_of_residence_with_a_row_for_not_stated(venue, other_venue):
    priority = other_venue.quarter
    visit_on(make_person("A", quarter=priority), venue, f"{Y}-01-10")
    visit_on(make_person("B", quarter=priority, sex=Sex.MALE), venue, f"{Y}-01-10")
    visit_on(make_person("C", quarter=venue.quarter), venue, f"{Y}-01-10")
    nowhere = make_person("D", sex=Sex.NOT_STATED)
    visit_on(nowhere, venue, f"{Y}-01-10")
    visit_on(nowhere, other_venue, f"{Y}-02-10")

    bilan = compute_bilan(Y)

    rows = {row.name: row for row in bilan.by_quarter}
    assert list(rows) == [venue.quarter.name, "La Noue", "Hors quartiers listés ou non renseigné"]
    assert (rows["La Noue"].persons, rows["La Noue"].women, rows["La Noue"].men) == (2, 1, 1)
    assert rows["La Noue"].is_priority
    assert (rows[venue.quarter.name].persons, rows[venue.quarter.name].appointments) == (1, 1)
    none_row = rows["Hors quartiers listés ou non renseigné"]
    assert (none_row.persons, none_row.sex_unknown, none_row.appointments) == (1, 1, 2)
    assert bilan.priority_quarter_residents == 2
    assert bilan.priority_quarter_residents_pct == 50


# --- venues, months, sessions, referrals ------------------------------------------


def test_a_person_seen_in_two_venues_counts_once_in_each_and_once_in_the_total(venue, other_venue):
    both = make_person("Deux", sex=Sex.MALE)
    visit_on(both, venue, f"{Y}-01-10")
    visit_on(both, venue, f"{Y}-01-17")
    visit_on(both, other_venue, f"{Y}-02-10")
    outcome(both, OutcomeKind.CDI, f"{Y}-03-01")
    only_here = make_person("Ici")
    visit_on(only_here, venue, f"{Y}-01-10")

    bilan = compute_bilan(Y)

    rows = {row.name: row for row in bilan.by_venue}
    here, there = rows[venue.name], rows[other_venue.name]
    assert (here.persons, here.men, here.women, here.appointments, here.permanences_held) == (2, 1, 1, 3, 2)
    assert (there.persons, there.men, there.appointments, there.permanences_held) == (1, 1, 1, 1)
    assert bilan.persons == 2 and bilan.appointments == 4
    # Outcomes are not tied to a venue: the person's CDI counts at both.
    assert here.outcomes["cdi"] == 1 and there.outcomes["cdi"] == 1 and bilan.outcomes["cdi"] == 1


def test_months_are_all_listed_with_persons_counted_once_per_month(venue):
    person = make_person()
    visit_on(person, venue, f"{Y}-01-05")
    visit_on(person, venue, f"{Y}-01-12")
    visit_on(person, venue, f"{Y}-03-01")
    make_permanence(venue, D(f"{Y}-05-01"))  # held, nobody came
    make_permanence(venue, D(f"{Y}-05-02"), status=PermanenceStatus.CANCELLED)
    make_permanence(venue, D(f"{Y}-05-03"), status=PermanenceStatus.PLANNED)

    months = compute_bilan(Y).by_month

    assert [m.month for m in months] == list(range(1, 13))
    assert [(m.appointments, m.persons, m.permanences_held) for m in months[:5]] == [
        (2, 1, 2),
        (0, 0, 0),
        (1, 1, 1),
        (0, 0, 0),
        (0, 0, 1),
    ]
    assert all((m.appointments, m.persons, m.permanences_held) == (0, 0, 0) for m in months[5:])


def test_referrals_are_listed_by_partner_with_their_take_up(venue):
    person = make_person()
    visit = visit_on(person, venue, f"{Y}-02-01")
    for partner, status in [
        (Partner.FRANCE_TRAVAIL, ReferralStatus.DONE),
        (Partner.FRANCE_TRAVAIL, ReferralStatus.NOT_TAKEN_UP),
        (Partner.FRANCE_TRAVAIL, ReferralStatus.PROPOSED),
        (Partner.PLIE, ReferralStatus.DONE),
    ]:
        Referral.objects.create(
            beneficiary=person,
            visit=visit,
            partner=partner,
            proposed_on=visit.date,
            status=status,
            checked_on=None if status == ReferralStatus.PROPOSED else D(f"{Y}-03-01"),
        )
    Referral.objects.create(beneficiary=person, partner=Partner.PLIE, proposed_on=D(f"{Y - 1}-12-31"))

    rows = {row.partner: row for row in compute_bilan(Y).referrals}

    assert list(rows) == Partner.values
    assert (rows["france_travail"].total, rows["france_travail"].done) == (3, 1)
    assert (rows["france_travail"].not_taken_up, rows["france_travail"].proposed) == (1, 1)
    assert (rows["plie"].total, rows["plie"].done) == (1, 1)
    assert rows["cap_emploi"].total == 0


# --- restriction to a venue or a quarter ------------------------------------------------


def test_a_bilan_restricted_to_a_venue_or_quarter_counts_the_activity_there(venue, other_venue):
    both = make_person("Deux")
    visit_on(both, venue, f"{Y}-01-10")
    visit_on(both, other_venue, f"{Y}-02-10")
    outcome(both, OutcomeKind.FORMATION, f"{Y}-03-01", f"{Y}-04-01")
    there_only = make_person("Là", sex=Sex.MALE)
    visit_on(there_only, other_venue, f"{Y}-02-10")
    outcome(there_only, OutcomeKind.CDI, f"{Y}-03-01")
    visit = there_only.visits.get()
    Referral.objects.create(beneficiary=there_only, visit=visit, partner=Partner.SIAE, proposed_on=visit.date)

    here = compute_bilan(Y, venue=venue)
    there = compute_bilan(Y, quarter=other_venue.quarter)

    assert (here.persons, here.appointments, here.permanences_held) == (1, 1, 1)
    assert here.outcomes["formation"] == 1 and here.outcomes["cdi"] == 0
    assert [row.name for row in here.by_venue] == [venue.name]
    assert sum(row.total for row in here.referrals) == 0
    assert (there.persons, there.men, there.appointments, there.permanences_held) == (2, 1, 2, 1)
    assert there.persons_with_outcome == 2
    assert sum(row.total for row in there.referrals) == 1
    assert here.scope == {"venue": {"id": venue.pk, "name": venue.name}, "quarter": None}
    assert "La Noue" in there.scope_label


# --- shape --------------------------------------------------------------------------


def test_a_closed_venue_appears_only_the_years_it_had_activity(venue, other_venue):
    closed = Venue.objects.create(name="Antenne fermée", quarter=venue.quarter, is_active=False)
    visit_on(make_person("Annaud"), closed, f"{Y - 2}-06-13")  # a visit
    make_permanence(closed, D(f"{Y - 1}-06-12"))  # a session held, nobody came
    visit_on(make_person("Bobet"), venue, f"{Y}-06-13")
    names = {year: [row.name for row in compute_bilan(year).by_venue] for year in (Y - 2, Y - 1, Y)}
    assert names == {
        Y - 2: ["Antenne fermée", "Centre social Grand Air", "Lieu d'accueil La Noue"],
        Y - 1: ["Antenne fermée", "Centre social Grand Air", "Lieu d'accueil La Noue"],
        Y: ["Centre social Grand Air", "Lieu d'accueil La Noue"],
    }


def test_an_empty_year_is_all_zeros_with_every_category_listed(venue):
    bilan = compute_bilan(Y)
    data = bilan.as_dict()
    assert data["persons"] == data["appointments"] == data["women_pct"] == 0
    assert data["outcomes"] == dict.fromkeys(OutcomeKind.values, 0)
    assert len(data["by_month"]) == 12 and len(data["referrals"]) == len(Partner.values)
    assert data["age_bands"] == {"moins_de_26": 0, "26_49": 0, "50_et_plus": 0, "inconnu": 0}


def test_the_json_round_trips_through_a_publication(venue, other_venue):
    person = make_person(quarter=other_venue.quarter, birth_date=D("1990-05-05"))
    visit_on(person, venue, f"{Y}-01-10")
    outcome(person, OutcomeKind.CDD, f"{Y}-03-01", f"{Y}-12-31")
    bilan = compute_bilan(Y)
    assert Bilan.from_dict(bilan.as_dict()) == bilan
    # An old publication with the headline only still reads.
    old = Bilan.from_dict({"year": Y, "persons": 3, "outcomes": {"cdi": 1}})
    assert old.persons == 3 and old.outcomes["cdd"] == 0 and old.by_venue == []


def test_the_bilan_takes_eight_queries_whatever_the_data(venue, other_venue, django_assert_num_queries):
    # Two rows of every relation: persons, venues, quarters, outcomes, referrals.
    for name, where in [("A", venue), ("B", other_venue)]:
        person = make_person(name, quarter=where.quarter)
        visit = visit_on(person, where, f"{Y}-01-10")
        outcome(person, OutcomeKind.CDI, f"{Y}-02-01")
        Referral.objects.create(beneficiary=person, visit=visit, partner=Partner.PLIE, proposed_on=visit.date)
    # venues, quarters, visits, permanences, outcomes, referrals, follow-up appointments, workshops
    with django_assert_num_queries(8):
        compute_bilan(Y)

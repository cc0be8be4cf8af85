"""What a merge does to the bilans: the merged person counts as if there had
always been one file (docs/IMPORT.md, « Effet sur le bilan »).

Twins that are not identical — different sex, quarter, birth date and first
year — seen in the same year, and seen in different years. Every figure of
every year is compared, before and after the merge, with the bilan counted
in Python from the rows (bilan_reference.py); the figures the merge changes
are also written out by hand. Published bilans never change.
"""

import datetime

import pytest

from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import Outcome, Referral
from permanences.models import Quarter, Venue
from reporting.bilan import compute_bilan
from reporting.models import PublishedBilan
from reporting.services import bilan_publish

from ..factories import make_permanence, make_person, make_visit
from .bilan_reference import reference_bilan

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
YEARS = range(2020, 2026)


@pytest.fixture
def place(db):
    """Two venues in two quarters (Bel Air a priority quarter), and their sessions by day."""
    bel_air = Quarter.objects.create(name="Bel Air", is_priority=True)
    la_noue = Quarter.objects.create(name="La Noue")
    grand_air = Venue.objects.create(name="Centre social Grand Air", quarter=bel_air)
    esperanto = Venue.objects.create(name="Centre social Espéranto", quarter=la_noue)
    sessions = {}

    def session(venue, day: str):
        if (venue.pk, day) not in sessions:
            sessions[venue.pk, day] = make_permanence(venue, D(day))
        return sessions[venue.pk, day]

    return {"quarters": (bel_air, la_noue), "venues": (grand_air, esperanto), "session": session}


def figures() -> dict[int, dict]:
    """Each year's bilan, checked against the definitions counted in Python."""
    bilans = {}
    for year in YEARS:
        bilans[year] = compute_bilan(year).as_dict()
        assert bilans[year] == reference_bilan(year), year
    return bilans


def merge(kept, removed, user):
    kept.refresh_from_db()
    removed.refresh_from_db()
    beneficiary_merge(kept=kept, removed=removed, user=user)


def headline(bilan: dict) -> dict:
    keys = ("persons", "new_persons", "women", "men", "sex_unknown", "appointments", "persons_with_outcome")
    return {
        **{key: bilan[key] for key in keys},
        "ages": {band: n for band, n in bilan["age_bands"].items() if n},
        "priority": bilan["priority_quarter_residents"],
        "outcomes": {kind: n for kind, n in bilan["outcomes"].items() if n},
        "durable": bilan["durable_employment"],
        "france_travail": next(
            (row["total"], row["done"]) for row in bilan["referrals"] if row["partner"] == "france_travail"
        ),
        "held": bilan["permanences_held"],
    }


def test_twins_seen_in_the_same_year_count_as_one_person_with_the_kept_files_values(place, coordinator):
    bel_air, la_noue = place["quarters"]
    grand_air, esperanto = place["venues"]
    session = place["session"]
    # The kept file: a woman of Bel Air born in 1990, first seen in 2022.
    kept = make_person(
        "Martin", "Élodie", ref="K", sex=Sex.FEMALE, birth_date=D("1990-05-10"), quarter=bel_air
    )
    # The removed file, typed wrong: a man of La Noue born in 1970, first seen in 2021.
    removed = make_person(
        "Martin", "Elodie", ref="R", sex=Sex.MALE, birth_date=D("1970-01-15"), quarter=la_noue
    )
    other = make_person("Diallo", "Moussa", ref="O", sex=Sex.MALE)
    for day in ("2022-03-07", "2023-03-06", "2023-06-05"):
        make_visit(kept, session(grand_air, day))
    removed_visits = [make_visit(removed, session(esperanto, day)) for day in ("2021-10-04", "2023-09-04")]
    shared = make_visit(removed, session(grand_air, "2023-06-05"))  # the session of kept's visit
    removed_visits.append(make_visit(removed, session(esperanto, "2024-02-05")))
    for venue, day in ((esperanto, "2021-10-04"), (grand_air, "2022-03-07"), (grand_air, "2023-03-06")):
        make_visit(other, session(venue, day))
    make_visit(other, session(esperanto, "2024-02-05"))
    # Both files noted the same referral at the shared session; the removed one knows its result.
    kept_visit = kept.visits.get(date=D("2023-06-05"))
    Referral.objects.create(
        beneficiary=kept, visit=kept_visit, partner=Partner.FRANCE_TRAVAIL, proposed_on=D("2023-06-05")
    )
    Referral.objects.create(
        beneficiary=removed,
        visit=shared,
        partner=Partner.FRANCE_TRAVAIL,
        proposed_on=D("2023-06-05"),
        status=ReferralStatus.DONE,
        checked_on=D("2023-06-20"),
    )
    Referral.objects.create(
        beneficiary=removed,
        partner=Partner.PLIE,
        proposed_on=D("2021-11-02"),
        status=ReferralStatus.NOT_TAKEN_UP,
        checked_on=D("2021-12-01"),
    )
    # A CDD of the removed file in 2022, when only the kept file was seen; a training in both files.
    Outcome.objects.create(
        beneficiary=removed, kind=OutcomeKind.CDD, start_date=D("2022-05-02"), end_date=D("2022-12-31")
    )
    for person in (kept, removed):
        Outcome.objects.create(beneficiary=person, kind=OutcomeKind.FORMATION, start_date=D("2023-04-03"))
    Outcome.objects.create(beneficiary=removed, kind=OutcomeKind.CDI, start_date=D("2024-03-01"))
    before = figures()
    for year in (2021, 2022, 2023):
        bilan_publish(year=year, user=coordinator)
    published = dict(PublishedBilan.objects.values_list("year", "figures"))

    merge(kept, removed, coordinator)

    after = figures()
    no_durable = {"persons": 0, "outcomes": 0}
    # 2021: only the removed file was seen; now with the kept file's sex, birth date and quarter.
    assert headline(before[2021]) == {
        "persons": 2,
        "new_persons": 2,
        "women": 0,
        "men": 2,
        "sex_unknown": 0,
        "appointments": 2,
        "persons_with_outcome": 0,
        "ages": {"50_et_plus": 1, "inconnu": 1},
        "priority": 0,
        "outcomes": {},
        "durable": no_durable,
        "france_travail": (0, 0),
        "held": 1,
    }
    assert headline(after[2021]) == {
        **headline(before[2021]),
        "women": 1,
        "men": 1,
        "ages": {"26_49": 1, "inconnu": 1},
        "priority": 1,
    }
    # 2022: only the kept file was seen; no longer new (first seen in 2021), and
    # the removed file's CDD of 2022 now counts (six months or more: durable).
    assert headline(before[2022]) == {
        "persons": 2,
        "new_persons": 1,
        "women": 1,
        "men": 1,
        "sex_unknown": 0,
        "appointments": 2,
        "persons_with_outcome": 0,
        "ages": {"26_49": 1, "inconnu": 1},
        "priority": 1,
        "outcomes": {},
        "durable": no_durable,
        "france_travail": (0, 0),
        "held": 1,
    }
    assert headline(after[2022]) == {
        **headline(before[2022]),
        "new_persons": 0,
        "persons_with_outcome": 1,
        "outcomes": {"cdd": 1},
        "durable": {"persons": 1, "outcomes": 1},
    }
    # 2023: both files were seen; one person (the kept file's), one visit in the
    # shared session, one training, one referral with the known result.
    assert headline(before[2023]) == {
        "persons": 3,
        "new_persons": 0,
        "women": 1,
        "men": 2,
        "sex_unknown": 0,
        "appointments": 5,
        "persons_with_outcome": 2,
        "ages": {"26_49": 1, "50_et_plus": 1, "inconnu": 1},
        "priority": 1,
        "outcomes": {"formation": 2},
        "durable": no_durable,
        "france_travail": (2, 1),
        "held": 3,
    }
    assert headline(after[2023]) == {
        **headline(before[2023]),
        "persons": 2,
        "men": 1,
        "appointments": 4,
        "persons_with_outcome": 1,
        "ages": {"26_49": 1, "inconnu": 1},
        "outcomes": {"formation": 1},
        "france_travail": (1, 1),
    }
    assert (after[2023]["women_pct"], after[2023]["men_pct"]) == (50, 50)
    # 2024: only the removed file was seen: the kept file's sex.
    assert headline(after[2024]) == {
        **headline(before[2024]),
        "women": 1,
        "men": 1,
        "ages": {"26_49": 1, "inconnu": 1},
        "priority": 1,
    }
    assert headline(after[2024])["outcomes"] == {"cdi": 1}
    for year in (2020, 2025):
        assert after[year] == before[year]
    # Referrals are counted whoever they belong to: the one outside a visit stays.
    assert after[2021]["referrals"] == before[2021]["referrals"]
    # Published bilans never change.
    assert dict(PublishedBilan.objects.values_list("year", "figures")) == published
    assert published == {year: before[year] for year in (2021, 2022, 2023)}
    assert {visit.pk for visit in removed_visits} <= set(kept.visits.values_list("pk", flat=True))


def test_twins_seen_in_different_years_are_one_person_first_seen_in_the_earliest(place, coordinator):
    bel_air, la_noue = place["quarters"]
    grand_air, esperanto = place["venues"]
    session = place["session"]
    # The kept file, seen in 2023 and 2024, knows neither sex, birth date nor quarter:
    # the removed one, seen in 2021 and 2022, fills them.
    kept = make_person("Nguyen", "Thao", ref="K", sex=Sex.NOT_STATED)
    removed = make_person(
        "Nguyen", "Thảo", ref="R", sex=Sex.FEMALE, birth_date=D("1999-02-01"), quarter=la_noue
    )
    other = make_person("Diallo", "Moussa", ref="O", sex=Sex.MALE, quarter=bel_air)
    for day in ("2023-03-06", "2024-02-05"):
        make_visit(kept, session(grand_air, day))
    for day in ("2021-10-04", "2022-03-07"):
        make_visit(removed, session(esperanto, day))
    for venue, day in ((grand_air, "2021-10-04"), (grand_air, "2023-03-06")):
        make_visit(other, session(venue, day))
    Outcome.objects.create(beneficiary=removed, kind=OutcomeKind.ALTERNANCE, start_date=D("2024-09-02"))
    before = figures()
    bilan_publish(year=2023, user=coordinator)
    published = PublishedBilan.objects.get().figures

    merge(kept, removed, coordinator)

    after = figures()
    # Only the removed file was seen in 2021 and 2022: same values, nothing changes.
    for year in (2020, 2021, 2022, 2025):
        assert after[year] == before[year], year
    assert headline(before[2023]) == {
        "persons": 2,
        "new_persons": 1,
        "women": 0,
        "men": 1,
        "sex_unknown": 1,
        "appointments": 2,
        "persons_with_outcome": 0,
        "ages": {"inconnu": 2},
        "priority": 1,
        "outcomes": {},
        "durable": {"persons": 0, "outcomes": 0},
        "france_travail": (0, 0),
        "held": 1,
    }
    # 2023: no longer new (first seen in 2021); a woman of La Noue aged 24 at her first visit of 2023.
    assert headline(after[2023]) == {
        **headline(before[2023]),
        "new_persons": 0,
        "women": 1,
        "sex_unknown": 0,
        "ages": {"moins_de_26": 1, "inconnu": 1},
    }
    la_noue_row = next(row for row in after[2023]["by_quarter"] if row["quarter_id"] == la_noue.pk)
    assert (la_noue_row["persons"], la_noue_row["women"], la_noue_row["appointments"]) == (1, 1, 1)
    # 2024: the removed file's alternance now counts, its person being seen that year.
    assert headline(before[2024])["outcomes"] == {}
    assert headline(after[2024]) == {
        **headline(before[2024]),
        "women": 1,
        "sex_unknown": 0,
        "ages": {"moins_de_26": 1},
        "persons_with_outcome": 1,
        "outcomes": {"alternance": 1},
    }
    assert after[2024]["new_persons"] == before[2024]["new_persons"] == 0
    assert PublishedBilan.objects.get().figures == published == before[2023]

"""The bilan's JSON is derived from the declaration of `Bilan`: written, read back, extended."""

import re
from dataclasses import dataclass, field

from beneficiaries.enums import OutcomeKind
from reporting.figures import (
    AGE_BANDS,
    Bilan,
    MonthRow,
    PersonsAndOutcomes,
    QuarterRow,
    ReferralRow,
    VenueRow,
    WorkshopFigures,
    derived,
    percent,
)

NO_OUTCOME = dict.fromkeys(OutcomeKind.values, 0)


def by_sex(persons: int, women: int, men: int, sex_unknown: int, appointments: int) -> dict[str, int]:
    return {
        "persons": persons,
        "women": women,
        "men": men,
        "sex_unknown": sex_unknown,
        "appointments": appointments,
    }


def a_bilan() -> Bilan:
    """A bilan with a value in every figure, none of them a default."""
    venue = {"id": 3, "name": "Centre social Grand Air"}
    return Bilan(
        year=2023,
        scope={"venue": venue, "quarter": None},
        permanences_held=40,
        new_persons=4,
        **by_sex(9, 5, 3, 1, 21),
        persons_with_outcome=2,
        outcomes={**NO_OUTCOME, "cdi": 1, "alternance": 1, "formation": 2},
        employment=PersonsAndOutcomes(persons=1, outcomes=2),
        training=PersonsAndOutcomes(persons=2, outcomes=2),
        durable_employment=PersonsAndOutcomes(persons=1, outcomes=1),
        age_bands={"moins_de_26": 2, "26_49": 5, "50_et_plus": 1, "inconnu": 1},
        priority_quarter_residents=4,
        by_quarter=[
            QuarterRow(quarter_id=2, name="Bel Air", is_priority=True, **by_sex(4, 3, 1, 0, 9)),
            QuarterRow(quarter_id=None, name="Hors quartiers", is_priority=False, **by_sex(5, 2, 2, 1, 12)),
        ],
        by_venue=[
            VenueRow(
                venue_id=venue["id"],
                name=venue["name"],
                quarter="Bel Air",
                permanences_held=40,
                **by_sex(9, 5, 3, 1, 21),
                outcomes={**NO_OUTCOME, "cdi": 1},
            )
        ],
        by_month=[
            MonthRow(month=month, permanences_held=3, appointments=2, persons=1) for month in range(1, 13)
        ],
        referrals=[ReferralRow(partner="plie", label="PLIE", total=3, proposed=1, done=1, not_taken_up=1)],
        workshops=WorkshopFigures(
            sessions=4, registrations=20, attendances=15, persons=8, persons_without_appointment=3
        ),
    )


def documented_keys() -> list[str]:
    """The keys of the table « Les clés du JSON » of docs/BILAN.md, in its order."""
    with open("docs/BILAN.md", encoding="utf-8") as doc:
        section = doc.read().split("## Les clés du JSON", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [key for cell in rows for key in re.findall(r"`(\w+)`", cell)]


def test_the_json_lists_every_figure_in_the_order_of_its_documentation():
    assert list(a_bilan().as_dict()) == documented_keys()
    assert documented_keys()[:3] == ["year", "scope", "permanences_held"]


def test_derived_figures_are_written_at_their_place_and_computed_from_the_others():
    data = a_bilan().as_dict()
    assert (data["women_pct"], data["men_pct"]) == (percent(5, 9), percent(3, 9)) == (56, 33)
    assert data["outcomes_total"] == 4
    assert data["outcomes_grouped"] == {
        "cdi": 1,
        "cdd": 0,
        "contrat_aide_ou_apprentissage": 1,
        "formation": 2,
        "autres": 0,
    }
    assert data["priority_quarter_residents_pct"] == 44
    assert data["by_month"][0] == {"month": 1, "permanences_held": 3, "appointments": 2, "persons": 1}
    assert data["employment"] == {"persons": 1, "outcomes": 2}


def test_a_bilan_read_back_from_its_json_is_the_same():
    bilan = a_bilan()
    assert Bilan.from_dict(bilan.as_dict()) == bilan
    # A derived figure is recomputed, never taken from the JSON.
    assert Bilan.from_dict({**bilan.as_dict(), "women_pct": 99}).women_pct == 56


def test_an_old_publication_reads_its_missing_figures_as_zeros_every_category_listed():
    old = Bilan.from_dict({"year": 2019, "persons": 4, "women": 3, "outcomes": {"cdi": 1}, "age_bands": {}})
    assert old.outcomes == {**NO_OUTCOME, "cdi": 1}
    assert old.age_bands == dict.fromkeys(AGE_BANDS, 0)
    assert (old.women_pct, old.outcomes_total, old.outcomes_grouped["cdi"]) == (75, 1, 1)
    assert (old.appointments, old.priority_quarter_residents_pct) == (0, 0)
    assert old.employment == PersonsAndOutcomes()
    assert old.workshops == WorkshopFigures()
    assert old.by_venue == old.by_month == old.referrals == []
    assert old.scope == {"venue": None, "quarter": None}
    assert Bilan.from_dict({"year": 2019, "scope": None}).scope == {"venue": None, "quarter": None}


@dataclass(frozen=True, kw_only=True)
class BilanWithWorkshops(Bilan):
    """A bilan with figures added the way a new one is: declared, nothing else."""

    workshop_sessions: int = 0
    workshop_months: list[MonthRow] = field(default_factory=list)
    workshop_persons_pct: int = derived(lambda bilan: percent(bilan.workshop_sessions, bilan.persons))


def test_a_figure_added_to_the_declaration_round_trips_with_nothing_else_to_change():
    bilan = BilanWithWorkshops(
        **{name: getattr(a_bilan(), name) for name in ("year", "persons", "outcomes", "by_month")},
        workshop_sessions=3,
        workshop_months=[MonthRow(month=2, permanences_held=1, appointments=0, persons=3)],
    )
    data = bilan.as_dict()
    assert list(data)[-3:] == ["workshop_sessions", "workshop_months", "workshop_persons_pct"]
    assert data["workshop_persons_pct"] == 33
    assert data["workshop_months"] == [{"month": 2, "permanences_held": 1, "appointments": 0, "persons": 3}]
    assert BilanWithWorkshops.from_dict(data) == bilan
    # A publication made before the figures existed reads them as their defaults.
    old = BilanWithWorkshops.from_dict(a_bilan().as_dict())
    assert (old.workshop_sessions, old.workshop_months, old.workshop_persons_pct) == (0, [], 0)

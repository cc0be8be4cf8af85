"""Merging two files of one person: everything moves to the kept file in one
transaction, the merge is recorded without names, and the bilan loses exactly
the person counted twice."""

import datetime

import pytest

from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import (
    OutcomeKind,
    Partner,
    QualificationLevel,
    ReferralStatus,
    Sex,
    TriState,
    VisitKind,
    WorkingTime,
)
from beneficiaries.models import Beneficiary, BeneficiaryMerge, Outcome, Referral, Topic, Visit
from beneficiaries.services import BeneficiaryError
from permanences.models import Quarter
from reporting.bilan import compute_bilan

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def session(venue):
    """Sessions by date, created on first use."""
    made = {}

    def get(day: str):
        if day not in made:
            made[day] = make_permanence(venue, D(day))
        return made[day]

    return get


def referral(visit, partner=Partner.FRANCE_TRAVAIL, **extra):
    return Referral.objects.create(
        beneficiary=visit.beneficiary, visit=visit, partner=partner, proposed_on=visit.date, **extra
    )


def merge(kept, removed, user=None):
    kept.refresh_from_db()
    removed.refresh_from_db()
    return beneficiary_merge(kept=kept, removed=removed, user=user)


def test_it_moves_everything_and_records_the_merge(session, coordinator, quarter):
    kept = make_person("Martin", "Élodie", ref="2021-00001", sex=Sex.NOT_STATED)
    removed = make_person(
        "Martin",
        "Elodie",
        ref="2023-00002",
        sex=Sex.FEMALE,
        birth_date=D("1990-03-04"),
        phone="06 12 34 56 78",
        quarter=quarter,
        rsa=TriState.YES,
        qualification_level=QualificationLevel.LEVEL_4,
        email="",
    )
    kept.email = "elodie@example.org"
    kept.save()
    make_visit(kept, session("2021-03-01"), kind=VisitKind.FIRST)
    theirs = make_visit(removed, session("2023-05-02"), kind=VisitKind.FIRST)
    referral(theirs, Partner.PLIE)
    Referral.objects.create(beneficiary=removed, partner=Partner.SIAE, proposed_on=D("2023-05-10"))
    Outcome.objects.create(beneficiary=removed, kind=OutcomeKind.CDI, start_date=D("2023-09-01"))

    record = merge(kept, removed, coordinator)

    assert not Beneficiary.objects.filter(pk=removed.pk).exists()
    kept.refresh_from_db()
    assert kept.visits.count() == 2 and kept.referrals.count() == 2 and kept.outcomes.count() == 1
    # The kept file's own values stay; its empty fields come from the removed one.
    assert (kept.first_name, kept.email) == ("Élodie", "elodie@example.org")
    assert (kept.sex, kept.birth_date, kept.phone, kept.quarter) == (
        Sex.FEMALE,
        D("1990-03-04"),
        "06 12 34 56 78",
        quarter,
    )
    assert (kept.rsa, kept.qualification_level) == (TriState.YES, QualificationLevel.LEVEL_4)
    assert kept.version == 2  # edits in progress on either file will show a conflict
    assert kept.updated_by == coordinator
    # Only the first visit ever stays a "premier accueil".
    assert dict(kept.visits.values_list("date", "kind")) == {
        D("2021-03-01"): VisitKind.FIRST,
        D("2023-05-02"): VisitKind.FOLLOW_UP,
    }
    assert (record.kept_ref, record.removed_ref, record.merged_by) == (
        "2021-00001",
        "2023-00002",
        coordinator,
    )
    assert {f.name for f in BeneficiaryMerge._meta.concrete_fields} == {
        "id",
        "kept_ref",
        "removed_ref",
        "merged_by",
        "merged_at",
    }


def test_two_visits_in_the_same_permanence_become_one(session):
    kept, removed = make_person(ref="K"), make_person(ref="R")
    cv, training, rights = (
        Topic.objects.get(code=code) for code in ("cv_lettre", "formation", "acces_droits")
    )
    mine = make_visit(kept, session("2024-01-08"), notes="CV repris.")
    mine.topics.set([cv, training])
    theirs = make_visit(removed, session("2024-01-08"), notes="Dossier CAF.", duration_minutes=45)
    theirs.topics.set([training, rights])
    referral(mine, Partner.FRANCE_TRAVAIL)
    referral(
        theirs,
        Partner.FRANCE_TRAVAIL,
        status=ReferralStatus.DONE,
        checked_on=D("2024-01-20"),
        detail="Agence",
    )
    referral(theirs, Partner.MISSION_LOCALE)

    merge(kept, removed)

    [visit] = Visit.objects.all()
    assert visit.pk == mine.pk
    assert set(visit.topics.values_list("code", flat=True)) == {"cv_lettre", "formation", "acces_droits"}
    assert visit.notes == "CV repris.\nDossier CAF."
    assert visit.duration_minutes == 45
    # Same partner twice on one visit: one referral, with the known result.
    assert sorted(visit.referrals.values_list("partner", "status", "detail")) == [
        (Partner.FRANCE_TRAVAIL, ReferralStatus.DONE, "Agence"),
        (Partner.MISSION_LOCALE, ReferralStatus.PROPOSED, ""),
    ]
    assert Referral.objects.count() == 2


def test_an_outcome_in_both_files_is_kept_once(session):
    kept, removed = make_person(ref="K"), make_person(ref="R")
    Outcome.objects.create(beneficiary=kept, kind=OutcomeKind.CDD, start_date=D("2024-02-01"))
    Outcome.objects.create(
        beneficiary=removed,
        kind=OutcomeKind.CDD,
        start_date=D("2024-02-01"),
        end_date=D("2024-08-01"),
        working_time=WorkingTime.FULL_TIME,
        employer="Boulangerie",
    )
    Outcome.objects.create(beneficiary=removed, kind=OutcomeKind.FORMATION, start_date=D("2024-09-01"))
    merge(kept, removed)
    assert sorted(
        Outcome.objects.values_list("beneficiary__ref", "kind", "end_date", "working_time", "employer")
    ) == [
        ("K", OutcomeKind.CDD, D("2024-08-01"), WorkingTime.FULL_TIME, "Boulangerie"),
        ("K", OutcomeKind.FORMATION, None, "", ""),
    ]


def test_a_merge_is_refused_when_it_cannot_be_right(session):
    kept, removed = make_person(ref="K"), make_person(ref="R")
    with pytest.raises(BeneficiaryError, match="avec lui-même"):
        beneficiary_merge(kept=kept, removed=kept, user=None)
    stale = Beneficiary.objects.get(pk=removed.pk)
    removed.phone = "06 00 00 00 00"
    removed.save()
    Beneficiary.objects.filter(pk=removed.pk).update(version=2)
    with pytest.raises(BeneficiaryError, match="modifié depuis l'affichage"):
        beneficiary_merge(kept=kept, removed=stale, user=None)
    gone = make_person(ref="G")
    Beneficiary.objects.filter(pk=gone.pk).delete()
    with pytest.raises(BeneficiaryError, match="n'existe plus"):
        beneficiary_merge(kept=kept, removed=gone, user=None)
    assert Beneficiary.objects.count() == 2 and not BeneficiaryMerge.objects.exists()


def test_the_bilan_loses_exactly_the_person_counted_twice(session, quarter):
    """Both files seen in 2023 (one session in common), only the removed one in 2024,
    only the kept one in 2022; a third person everywhere."""
    Quarter.objects.create(name="La Noue")
    kept = make_person("Martin", "Élodie", ref="K", sex=Sex.FEMALE)
    removed = make_person("Martin", "Elodie", ref="R", sex=Sex.FEMALE)
    other = make_person("Diallo", "Moussa", ref="O", sex=Sex.MALE)
    for day in ("2022-03-07", "2023-03-06", "2023-06-05"):
        make_visit(kept, session(day))
    for day in ("2023-06-05", "2023-09-04", "2024-02-05"):
        make_visit(removed, session(day))
    for day in ("2022-03-07", "2023-03-06", "2024-02-05"):
        make_visit(other, session(day))
    Outcome.objects.create(beneficiary=removed, kind=OutcomeKind.CDI, start_date=D("2023-10-02"))
    Outcome.objects.create(beneficiary=kept, kind=OutcomeKind.FORMATION, start_date=D("2023-04-03"))
    years = range(2021, 2026)
    before = {year: compute_bilan(year).as_dict() for year in years}
    assert before[2023]["persons"] == 3

    merge(kept, removed)

    after = {year: compute_bilan(year).as_dict() for year in years}
    # 2022 and 2024: one of the two files only was counted; nothing changes.
    for year in (2021, 2022, 2024, 2025):
        assert after[year] == before[year]
    # 2023: counted twice, now once; the visit both files had in one session is one.
    headline = ("persons", "new_persons", "women", "men", "sex_unknown", "women_pct", "men_pct")
    headline += ("appointments", "persons_with_outcome", "outcomes", "permanences_held")
    assert {key: after[2023][key] for key in headline} == {
        **{key: before[2023][key] for key in headline},
        "persons": 2,
        "new_persons": before[2023]["new_persons"] - 1,
        "women": 1,
        "women_pct": 50,
        "men_pct": 50,
        "appointments": before[2023]["appointments"] - 1,
        "persons_with_outcome": 1,
    }
    # Every breakdown of persons loses that one person too.
    assert sum(after[2023]["age_bands"].values()) == sum(before[2023]["age_bands"].values()) - 1 == 2

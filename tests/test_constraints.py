"""Every database constraint refuses a bad row: in the database (IntegrityError)
and, before that, in validation with its French message."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex
from beneficiaries.models import NOTES_MAX_LENGTH, Beneficiary, Outcome, Referral, Visit
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue, WeeklySlot
from reporting.models import PublishedBilan

from .factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat
D = datetime.date.fromisoformat


def assert_refused(obj, message):
    """The constraint's French message in validation, an IntegrityError in the database."""
    messages = []
    for validate in (obj.validate_unique, obj.validate_constraints):
        try:
            validate()
        except ValidationError as error:
            messages.extend(error.messages)
    assert any(message in m for m in messages), messages
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.fixture
def person():
    return make_person()


@pytest.fixture
def held(venue):
    return make_permanence(venue, D("2020-03-02"))


def test_quarter_name_is_unique_whatever_the_case(quarter):
    assert_refused(Quarter(name=quarter.name.upper()), "Un quartier porte déjà ce nom.")


def test_qpv_code_needs_a_priority_quarter(db):
    assert_refused(
        Quarter(name="La Noue", qpv_code="QN09301M"), "Un code QPV ne peut être saisi que pour un quartier"
    )


def test_venue_name_is_unique_whatever_the_case(venue):
    assert_refused(
        Venue(name="centre social grand air", quarter=venue.quarter), "Un lieu d'accueil porte déjà"
    )


def test_venue_kind_comes_from_the_list(quarter):
    assert_refused(Venue(name="Autre", quarter=quarter, kind="piscine"), "Type de lieu inconnu.")


def test_slot_ends_after_it_starts(venue):
    slot = WeeklySlot(
        venue=venue, weekday=0, start_time=T("12:00"), end_time=T("09:00"), valid_from=D("2020-01-01")
    )
    assert_refused(slot, "L'heure de fin doit être après l'heure de début.")


def test_slot_validity_is_ordered(venue):
    slot = WeeklySlot(
        venue=venue,
        weekday=0,
        start_time=T("09:00"),
        end_time=T("12:00"),
        valid_from=D("2020-01-01"),
        valid_until=D("2019-01-01"),
    )
    assert_refused(slot, "La fin de validité doit suivre le début de validité.")


def test_slot_weekday_is_a_day_of_the_week(venue):
    slot = WeeklySlot(
        venue=venue, weekday=7, start_time=T("09:00"), end_time=T("12:00"), valid_from=D("2020-01-01")
    )
    assert_refused(slot, "Jour de la semaine inconnu.")


def test_permanence_ends_after_it_starts(venue):
    permanence = Permanence(venue=venue, date=D("2020-01-06"), start_time=T("12:00"), end_time=T("12:00"))
    assert_refused(permanence, "L'heure de fin doit être après l'heure de début.")


def test_one_permanence_per_venue_date_and_start(held):
    twin = Permanence(venue=held.venue, date=held.date, start_time=held.start_time, end_time=T("18:00"))
    assert_refused(twin, "Une permanence commence déjà à cette heure dans ce lieu ce jour-là.")


def test_cancelled_permanence_has_a_reason(venue):
    permanence = Permanence(
        venue=venue,
        date=D("2020-01-06"),
        start_time=T("09:00"),
        end_time=T("12:00"),
        status=PermanenceStatus.CANCELLED,
    )
    assert_refused(permanence, "Indiquez le motif de l'annulation.")


def test_permanence_status_comes_from_the_list(venue):
    permanence = Permanence(
        venue=venue, date=D("2020-01-06"), start_time=T("09:00"), end_time=T("12:00"), status="x"
    )
    assert_refused(permanence, "Statut de permanence inconnu.")


def test_file_reference_is_unique(person):
    assert_refused(
        Beneficiary(ref=person.ref, last_name="Autre", first_name="Personne", sex=Sex.MALE),
        "Un dossier porte déjà cette référence.",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sex", "X", "Sexe inconnu"),
        ("last_name", "", "Le nom et le prénom sont obligatoires."),
        ("birth_date", D("1850-01-01"), "Date de naissance invraisemblable."),
        ("rsa", "nsp", "Valeur inconnue pour France Travail, RSA ou RQTH."),
        ("qualification_level", "9", "Niveau de qualification inconnu."),
    ],
)
def test_person_fields_are_checked(person, field, value, message):
    setattr(person, field, value)
    if field == "last_name":
        # Bypass the model's own blank check to reach the constraint.
        with pytest.raises(IntegrityError), transaction.atomic():
            type(person).objects.filter(pk=person.pk).update(last_name="")
        with pytest.raises(ValidationError, match=message):
            person.validate_constraints()
        return
    assert_refused(person, message)


def test_one_visit_per_person_per_permanence(person, held):
    make_visit(person, held)
    assert_refused(Visit(beneficiary=person, permanence=held), "Cette personne a déjà un rendez-vous")


def test_visit_cannot_be_in_the_future(person, venue, today):
    future = make_permanence(venue, today + datetime.timedelta(days=3), status=PermanenceStatus.PLANNED)
    visit = Visit(beneficiary=person, permanence=future)
    with pytest.raises(ValidationError, match="permanence à venir"):
        visit.full_clean()
    visit.fill_derived_fields()
    with pytest.raises(ValidationError, match=r"Un rendez-vous ne peut pas être daté dans le futur\."):
        visit.validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        visit.save()


def test_visit_dated_today_is_accepted(person, venue, today):
    visit = make_visit(person, make_permanence(venue, today, status=PermanenceStatus.PLANNED))
    assert visit.date == today


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration_minutes": 0}, "La durée doit être comprise entre 1 et 600 minutes."),
        ({"duration_minutes": 601}, "La durée doit être comprise entre 1 et 600 minutes."),
        ({"notes": "x" * (NOTES_MAX_LENGTH + 1)}, "2 000 caractères"),
        ({"kind": "rdv"}, "Type d'entretien inconnu."),
        ({"next_step_due": D("2020-04-01")}, "Décrivez la prochaine étape"),
    ],
)
def test_visit_fields_are_checked(person, held, fields, message):
    visit = Visit(beneficiary=person, permanence=held, **fields)
    visit.fill_derived_fields()
    assert_refused(visit, message)


def test_referral_checks(person, held):
    base = {"beneficiary": person, "partner": Partner.FRANCE_TRAVAIL, "proposed_on": held.date}
    assert_refused(Referral(**{**base, "partner": "pole_emploi"}), "Partenaire inconnu.")
    assert_refused(Referral(**base, status="maybe"), "Suite d'orientation inconnue.")
    assert_refused(Referral(**base, status=ReferralStatus.DONE), "Indiquez la date à laquelle la suite")
    assert_refused(
        Referral(**base, status=ReferralStatus.DONE, checked_on=D("2020-01-01")),
        "La suite ne peut pas être vérifiée avant la proposition.",
    )
    assert_refused(
        Referral(**{**base, "proposed_on": D("2999-01-01")}),
        "Une orientation ne peut pas être datée dans le futur.",
    )


def test_outcome_checks(person):
    base = {"beneficiary": person, "kind": OutcomeKind.CDD, "start_date": D("2020-05-01")}
    assert_refused(Outcome(**{**base, "kind": "stage"}), "Type de sortie inconnu.")
    assert_refused(Outcome(**base, end_date=D("2020-04-30")), "La date de fin doit être égale ou postérieure")
    assert_refused(Outcome(**base, working_time="mi-temps"), "Temps de travail inconnu.")
    assert_refused(Outcome(**{**base, "start_date": D("1960-01-01")}), "Date de début invraisemblable.")
    Outcome.objects.create(**base, end_date=D("2020-05-01"))  # same day is fine


def test_published_bilan_year_is_plausible(db):
    # The earliest year of a bilan is that of the earliest activity (beneficiaries/bounds.py).
    assert_refused(PublishedBilan(year=1989, figures={}), "Année invraisemblable.")
    assert_refused(PublishedBilan(year=2101, figures={}), "Année invraisemblable.")
    PublishedBilan.objects.create(year=1990, figures={})

"""Today's format, every column: sessions, visits told apart by their session's
start time, referrals with or without a visit, anonymised files; and the round
trip of a hand-made file set with every optional field filled:
import -> export gives the files back, byte for byte, and so does
export -> empty database -> import -> export."""

import datetime

import pytest

from beneficiaries.enums import (
    OutcomeKind,
    Partner,
    QualificationLevel,
    ReferralChannel,
    ReferralStatus,
    Sex,
    TriState,
    VisitKind,
    WorkingTime,
)
from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from core.spreadsheets import write_csv
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue

from ..factories import make_permanence, make_person, make_visit
from .files import FULL_HEADERS, csv_bytes, export_all, full_row, import_all, person, row_counts, run_import

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
T = datetime.time.fromisoformat


@pytest.fixture
def territory(venue, quarter, counsellor, coordinator):
    """Two venues, two quarters, the topics (a data migration) and two accounts: alice and bob."""
    Venue.objects.create(name="Centre social Espéranto", quarter=Quarter.objects.create(name="La Noue"))
    return venue


def hand_made(today) -> dict[str, list[list]]:
    """Every column filled somewhere, in the export's own order (so that it comes back as is)."""
    soon = (today + datetime.timedelta(days=30)).isoformat()
    grand_air, esperanto = "Centre social Grand Air", "Centre social Espéranto"
    return {
        "beneficiaries": [
            full_row(
                "beneficiaries",
                ref="A-1",
                last_name="Martin",
                first_name="Élodie",
                sex="F",
                birth_date="1990-03-04",
                quarter="Bel Air – Grands Pêchers",
                phone="06 12 34 56 78",
                email="elodie@example.org",
                france_travail="oui",
                rsa="non",
                rqth="oui",
                qualification_level="4",
                notice_given_on="2024-01-08",
                referent="alice",
            ),
            full_row(
                "beneficiaries",
                ref="A-2",
                last_name="=Diallo",  # neutralised by the export, restored by the import
                first_name="Moussa",
                sex="M",
                birth_date="1985-05-04",
                quarter="La Noue",
                phone="+44 20 7946 0958",
                france_travail="non",
                rsa="oui",
                rqth="non",
                qualification_level="infra3",
            ),
            # An anonymised file: no identity, its activity kept for the bilans.
            full_row(
                "beneficiaries",
                ref="A-3",
                last_name="Anonyme",
                first_name="Anonyme",
                sex="F",
                birth_date="1980-01-01",
                quarter="La Noue",
                anonymised_on="2025-06-01",
            ),
        ],
        "sessions": [
            full_row(
                "sessions",
                venue=grand_air,
                date="2024-01-08",
                start_time="09:30",
                end_time="12:30",
                status="held",
                counsellors="alice|bob",
            ),
            # A second session the same day at the same venue.
            full_row(
                "sessions",
                venue=grand_air,
                date="2024-01-08",
                start_time="14:00",
                end_time="17:00",
                status="held",
                counsellors="alice",
            ),
            # Held, and nobody came.
            full_row(
                "sessions",
                venue=esperanto,
                date="2024-01-09",
                start_time="09:00",
                end_time="12:00",
                status="held",
            ),
            full_row(
                "sessions",
                venue=grand_air,
                date="2024-01-15",
                start_time="09:30",
                end_time="12:30",
                status="cancelled",
                cancel_reason="Grève des transports",
                counsellors="bob",
            ),
            full_row(
                "sessions", venue=esperanto, date=soon, start_time="09:00", end_time="12:00", status="planned"
            ),
        ],
        "visits": [
            full_row(
                "visits",
                ref="A-1",
                date="2024-01-08",
                venue=grand_air,
                start_time="09:30",
                kind="premier_accueil",
                counsellor="alice",
                duration_minutes="45",
                topics="cv_lettre|formation",
                notes="-2 candidatures à relancer",
                next_step="Envoyer le CV",
                next_step_due="2024-01-20",
                next_step_done_on="2024-01-19",
            ),
            full_row(
                "visits",
                ref="A-1",
                date="2024-01-08",
                venue=grand_air,
                start_time="14:00",
                kind="suivi",
                counsellor="bob",
                duration_minutes="20",
                notes="Atelier CV l'après-midi.",
                next_step="Appeler la Mission locale",
                next_step_due="2024-02-01",
            ),
            full_row(
                "visits",
                ref="A-2",
                date="2024-01-08",
                venue=grand_air,
                start_time="09:30",
                kind="premier_accueil",
            ),
            full_row(
                "visits",
                ref="A-3",
                date="2024-01-08",
                venue=grand_air,
                start_time="14:00",
                kind="premier_accueil",
                counsellor="alice",
                duration_minutes="30",
                topics="acces_droits",
            ),
        ],
        "referrals": [
            full_row(
                "referrals",
                ref="A-1",
                proposed_on="2024-01-08",
                partner="france_travail",
                detail="Agence de Montreuil",
                status="done",
                checked_on="2024-01-20",
                visit_date="2024-01-08",
                venue=grand_air,
                start_time="09:30",
            ),
            # Two referrals to one partner in one visit stay two.
            *(
                full_row(
                    "referrals",
                    ref="A-1",
                    proposed_on="2024-01-08",
                    partner="organisme_formation",
                    detail=detail,
                    status="proposed",
                    visit_date="2024-01-08",
                    venue=grand_air,
                    start_time="14:00",
                )
                for detail in ("GRETA", "AFPA")
            ),
            # Outside any visit.
            full_row(
                "referrals",
                ref="A-1",
                proposed_on="2024-02-01",
                partner="plie",
                status="not_taken_up",
                checked_on="2024-03-01",
                channel="telephone",
            ),
            full_row(
                "referrals",
                ref="A-3",
                proposed_on="2024-01-08",
                partner="mission_locale",
                status="proposed",
                visit_date="2024-01-08",
                venue=grand_air,
                start_time="14:00",
            ),
        ],
        "outcomes": [
            full_row(
                "outcomes",
                ref="A-1",
                type="cdd",
                start_date="2024-03-01",
                end_date="2024-08-31",
                working_time="temps_partiel",
                label="Boulangerie du Bel Air",
            ),
            full_row(
                "outcomes",
                ref="A-2",
                type="cdi",
                start_date="2024-04-02",
                working_time="temps_plein",
                label="Mairie",
            ),
            full_row("outcomes", ref="A-3", type="formation", start_date="2024-05-01", end_date="2024-06-30"),
        ],
    }


def as_files(rows: dict[str, list[list]]) -> dict[str, bytes]:
    """The rows as the export writes them (semicolons, BOM, neutralised cells)."""
    return {kind: write_csv(list(FULL_HEADERS[kind]), iter(kind_rows)) for kind, kind_rows in rows.items()}


def empty_everything() -> None:
    Referral.objects.all().delete()
    Visit.objects.all().delete()
    Outcome.objects.all().delete()
    Beneficiary.objects.all().delete()
    Permanence.objects.all().delete()


def test_a_hand_made_file_set_with_every_column_comes_back_byte_for_byte(territory, today, coordinator):
    files = as_files(hand_made(today))
    plan = import_all(files, user=coordinator)
    assert plan.ok, plan.problems
    assert [(label, tally.created) for label, tally in plan.summary()] == [
        ("Personnes", 3),
        ("Rendez-vous", 4),
        ("Orientations", 5),
        ("Sorties", 3),
        ("Permanences", 5),
        ("Ateliers", 0),
        ("Inscriptions aux ateliers", 0),
    ]
    exported = export_all(today)
    for kind in files:
        assert exported[kind] == files[kind], kind

    empty_everything()
    assert set(row_counts().values()) == {0}
    assert import_all(exported, user=coordinator).ok
    again = export_all(today)
    for kind in files:
        assert again[kind] == files[kind], kind
    plan = import_all(exported)
    assert plan.ok and not plan.has_changes


def test_every_field_is_stored(territory, today, counsellor, coordinator):
    assert import_all(as_files(hand_made(today))).ok
    elodie = Beneficiary.objects.get(ref="A-1")
    assert (elodie.france_travail, elodie.rsa, elodie.rqth) == (TriState.YES, TriState.NO, TriState.YES)
    assert elodie.qualification_level == QualificationLevel.LEVEL_4
    assert elodie.notice_given_on == D("2024-01-08")
    assert elodie.referent == counsellor
    assert Beneficiary.objects.get(ref="A-2").referent is None
    morning, afternoon = Visit.objects.filter(beneficiary=elodie).order_by("permanence__start_time")
    assert (morning.permanence.start_time, afternoon.permanence.start_time) == (T("09:30"), T("14:00"))
    assert (morning.kind, morning.counsellor, morning.duration_minutes) == (VisitKind.FIRST, counsellor, 45)
    assert (morning.next_step, morning.next_step_due, morning.next_step_done_on) == (
        "Envoyer le CV",
        D("2024-01-20"),
        D("2024-01-19"),
    )
    assert morning.notes == "-2 candidatures à relancer"
    assert afternoon.counsellor == coordinator
    assert sorted(afternoon.referrals.values_list("partner", "detail")) == [
        (Partner.ORGANISME_FORMATION, "AFPA"),
        (Partner.ORGANISME_FORMATION, "GRETA"),
    ]
    outside = Referral.objects.get(partner=Partner.PLIE)
    assert (outside.visit, outside.status, outside.checked_on, outside.channel) == (
        None,
        ReferralStatus.NOT_TAKEN_UP,
        D("2024-03-01"),
        ReferralChannel.PHONE,
    )
    cdd = Outcome.objects.get(beneficiary=elodie)
    assert (cdd.kind, cdd.working_time, cdd.end_date) == (
        OutcomeKind.CDD,
        WorkingTime.PART_TIME,
        D("2024-08-31"),
    )
    sessions = {(p.venue.name, p.date, p.start_time): p for p in Permanence.objects.select_related("venue")}
    cancelled = sessions["Centre social Grand Air", D("2024-01-15"), T("09:30")]
    assert (cancelled.status, cancelled.cancel_reason) == (PermanenceStatus.CANCELLED, "Grève des transports")
    assert set(cancelled.counsellors.values_list("username", flat=True)) == {"bob"}
    empty = sessions["Centre social Espéranto", D("2024-01-09"), T("09:00")]
    assert (empty.status, empty.visits.count()) == (PermanenceStatus.HELD, 0)
    anonymous = Beneficiary.objects.get(ref="A-3")
    assert anonymous.anonymised_at is not None and anonymous.sex == Sex.FEMALE
    assert not Beneficiary.objects.search("Anonyme").exists()


def test_an_old_format_file_set_still_imports(territory):
    """The first format's columns only: no start time, referrals in the visits file."""
    plan = run_import(
        beneficiaries=[["A-1", "Martin", "Élodie", "F", "1990-03-04", "", "", ""]],
        visits=[
            ["A-1", "2024-01-08", "Centre social Grand Air", "", "cv_lettre", "plie:done:2024-01-20", "Notes"]
        ],
        outcomes=[["A-1", "cdi", "2024-02-01", "", "Mairie"]],
    )
    assert plan.ok, plan.problems
    assert Referral.objects.get().status == ReferralStatus.DONE
    assert Visit.objects.get().permanence.start_time == T("09:30")


# --- two sessions one day ----------------------------------------------------------


def test_two_visits_one_day_at_one_venue_need_their_session_start(territory):
    make_permanence(territory, D("2024-01-08"), start="09:30", end="12:30")
    make_permanence(territory, D("2024-01-08"), start="14:00", end="17:00")
    person = make_person(ref="A-1")
    visits = [
        full_row("visits", ref="A-1", date="2024-01-08", venue=territory.name, start_time=start)
        for start in ("09:30", "14h00")
    ]
    plan = run_import(visits=visits)
    assert plan.ok, plan.problems
    assert plan.permanences.created == 0
    assert sorted(person.visits.values_list("permanence__start_time", flat=True)) == [T("09:30"), T("14:00")]
    # Without the start time, the two rows are one visit twice.
    twice = [full_row("visits", ref="A-1", date="2024-01-08", venue=territory.name)] * 2
    [problem] = run_import(visits=twice).problems
    assert (problem.line, problem.column) == (3, "ref")
    assert (
        "Rendez-vous en double" in problem.message
        and "indiquez leur heure de début (start_time)" in problem.message
    )


def test_a_start_time_without_a_session_creates_it(territory):
    make_person(ref="A-1")
    plan = run_import(
        visits=[full_row("visits", ref="A-1", date="2024-01-08", venue=territory.name, start_time="14:00")]
    )
    assert plan.ok and plan.permanences.created == 1
    session = Permanence.objects.get()
    assert (session.start_time, session.end_time, session.status) == (
        T("14:00"),
        T("17:00"),
        PermanenceStatus.HELD,
    )


# --- the sessions file ---------------------------------------------------------------


def test_the_sessions_file_updates_stored_sessions(territory, counsellor):
    session = make_permanence(territory, D("2024-01-08"), status=PermanenceStatus.PLANNED)
    row = full_row(
        "sessions",
        venue=territory.name,
        date="08/01/2024",
        start_time="09:30",
        end_time="13:00",
        status="cancelled",
        cancel_reason="Fermé",
        counsellors="ALICE",
    )
    plan = run_import(sessions=[row])
    assert plan.ok, plan.problems
    assert (plan.permanences.updated, [c.what for c in plan.changes]) == (
        1,
        ["permanence : heure de fin, statut, motif d'annulation, conseillers"],
    )
    session.refresh_from_db()
    assert (session.end_time, session.status) == (T("13:00"), PermanenceStatus.CANCELLED)
    assert list(session.counsellors.all()) == [counsellor]
    assert not run_import(sessions=[row]).has_changes


BAD_SESSIONS = [
    ({"end_time": "09:00"}, "end_time", "L'heure de fin doit être après l'heure de début."),
    ({"status": "cancelled"}, "cancel_reason", "Indiquez le motif de l'annulation."),
    ({"date": "2999-01-04", "status": "held"}, "status", "ne peut pas être déjà tenue"),
    ({"status": "ouverte"}, "status", "Statut : « ouverte » n'est pas un code possible"),
    ({"counsellors": "alice|zoe"}, "counsellors", "Compte inconnu « zoe »"),
    ({"start_time": "25:00"}, "start_time", "Heure illisible « 25:00 »"),
    ({"venue": "Nulle part"}, "venue", "Lieu d'accueil inconnu « Nulle part »"),
    ({"date": "1980-01-07"}, "date", "avant 1990"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_SESSIONS)
def test_a_bad_session_row_is_reported(territory, cells, column, message):
    good = {"venue": territory.name, "date": "2024-01-08", "start_time": "09:30", "end_time": "12:30"}
    plan = run_import(
        sessions=[
            full_row("sessions", **good),
            full_row("sessions", **{**good, "date": "2024-01-15", **cells}),
        ]
    )
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("sessions.csv", 3, column)
    assert message in problem.message
    assert set(row_counts().values()) == {0}


def test_a_session_without_status_is_held_when_past_and_planned_when_to_come(territory, today):
    soon = (today + datetime.timedelta(days=7)).isoformat()
    rows = [
        full_row("sessions", venue=territory.name, date=day, start_time="09:30", end_time="12:30")
        for day in ("2024-01-08", soon)
    ]
    assert run_import(sessions=rows).ok
    assert list(Permanence.objects.order_by("date").values_list("status", flat=True)) == [
        PermanenceStatus.HELD,
        PermanenceStatus.PLANNED,
    ]


def test_a_new_session_without_a_status_column_is_held_when_past(territory, today):
    header = ["venue", "date", "start_time", "end_time"]
    soon = (today + datetime.timedelta(days=7)).isoformat()
    rows = [[territory.name, day, "09:30", "12:30"] for day in ("2024-01-08", soon)]
    assert run_import(sessions=csv_bytes(header, rows)).ok
    assert list(Permanence.objects.order_by("date").values_list("status", flat=True)) == [
        PermanenceStatus.HELD,
        PermanenceStatus.PLANNED,
    ]


BAD_CODES = [
    (
        "beneficiaries",
        {"france_travail": "peut-être"},
        "france_travail",
        "France Travail : « peut-être » n'est pas",
    ),
    ("beneficiaries", {"qualification_level": "9"}, "qualification_level", "Niveau de qualification : « 9 »"),
    ("beneficiaries", {"notice_given_on": "2999-01-01"}, "notice_given_on", "dans le futur"),
    ("outcomes", {"working_time": "mi-temps"}, "working_time", "Temps de travail : « mi-temps »"),
    ("referrals", {"status": "fait"}, "status", "Suite : « fait » n'est pas un code possible"),
]


@pytest.mark.parametrize(("kind", "cells", "column", "message"), BAD_CODES)
def test_a_bad_code_is_reported(territory, kind, cells, column, message):
    make_person(ref="A-0")
    base = {
        "beneficiaries": {"ref": "A-1", "last_name": "Diallo", "first_name": "Moussa"},
        "outcomes": {"ref": "A-0", "type": "cdi", "start_date": "2024-02-01"},
        "referrals": {"ref": "A-0", "proposed_on": "2024-02-01", "partner": "plie"},
    }[kind]
    [problem] = run_import(**{kind: [full_row(kind, **base, **cells)]}).problems
    assert (problem.line, problem.column) == (2, column)
    assert message in problem.message


BAD_VISITS = [
    (
        {"duration_minutes": "0"},
        "duration_minutes",
        "Durée illisible « 0 » : un nombre entier de minutes, de 1 à 600.",
    ),
    ({"duration_minutes": "1h"}, "duration_minutes", "Durée illisible"),
    ({"duration_minutes": "²"}, "duration_minutes", "Durée illisible « ² »"),
    ({"duration_minutes": "４５"}, "duration_minutes", "Durée illisible « ４５ »"),
    ({"counsellor": "zoe"}, "counsellor", "Compte inconnu « zoe »"),
    ({"counsellor": "alice|bob"}, "counsellor", "Un seul compte par rendez-vous"),
    (
        {"next_step_due": "2024-02-01"},
        "next_step_due",
        "Une échéance (next_step_due) demande une prochaine étape",
    ),
    ({"next_step_done_on": "2999-01-01"}, "next_step_done_on", "date dans le futur"),
    ({"start_time": "midi"}, "start_time", "Heure illisible « midi »"),
    ({"next_step": "x" * 256}, "next_step", "Texte de la prochaine étape trop long"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_VISITS)
def test_a_bad_visit_row_of_todays_format_is_reported(territory, cells, column, message):
    make_person(ref="A-1")
    good = {"ref": "A-1", "date": "2024-01-08", "venue": territory.name}
    plan = run_import(
        visits=[full_row("visits", **good), full_row("visits", **{**good, "date": "2024-01-15", **cells})]
    )
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("visits.csv", 3, column)
    assert message in problem.message


def test_a_session_with_visits_stays_held(territory):
    make_visit(make_person(ref="A-1"), make_permanence(territory, D("2024-01-08")))
    row = full_row(
        "sessions",
        venue=territory.name,
        date="2024-01-08",
        start_time="09:30",
        end_time="12:30",
        status="cancelled",
        cancel_reason="Fermé",
    )
    [problem] = run_import(sessions=[row]).problems
    assert (problem.column, problem.message) == (
        "status",
        "Des rendez-vous sont notés dans cette permanence : elle reste tenue.",
    )


# --- the referrals file ------------------------------------------------------------------


def test_referrals_are_paired_in_order_and_their_results_updated(territory):
    person = make_person(ref="A-1")
    visit = make_visit(person, make_permanence(territory, D("2024-01-08")))
    first = Referral.objects.create(
        beneficiary=person, visit=visit, partner=Partner.SIAE, proposed_on=visit.date
    )
    rows = [
        full_row(
            "referrals",
            ref="A-1",
            proposed_on="2024-01-08",
            partner="siae",
            detail=detail,
            status=status,
            checked_on=checked,
            visit_date="2024-01-08",
            venue=territory.name,
        )
        for detail, status, checked in (
            ("Régie de quartier", "done", ""),
            ("Chantier d'insertion", "proposed", ""),
        )
    ]
    plan = run_import(referrals=rows)
    assert plan.ok, plan.problems
    assert (plan.referrals.updated, plan.referrals.created) == (1, 1)
    first.refresh_from_db()
    # A result without its date: checked, at the latest, the day it was proposed.
    assert (first.detail, first.status, first.checked_on) == (
        "Régie de quartier",
        ReferralStatus.DONE,
        visit.date,
    )
    assert visit.referrals.count() == 2
    assert not run_import(referrals=rows).has_changes


BAD_REFERRALS = [
    (
        {"visit_date": "2024-01-09", "venue": "Centre social Grand Air"},
        "visit_date",
        "Aucun rendez-vous de cette personne le 09/01/2024",
    ),
    ({"visit_date": "2024-01-08"}, "venue", "Indiquez le lieu du rendez-vous (venue)"),
    (
        {"status": "done", "checked_on": "2024-01-01"},
        "checked_on",
        "ne peut pas être vérifiée avant la proposition",
    ),
    ({"status": "proposed", "checked_on": "2024-01-20"}, "checked_on", "n'a pas de date de vérification"),
    ({"partner": "pole_emploi"}, "partner", "Partenaire inconnu « pole_emploi »"),
    ({"channel": "fax"}, "channel", "Canal : « fax » n'est pas un code possible"),
    (
        {"channel": "telephone", "visit_date": "2024-01-08", "venue": "Centre social Grand Air"},
        "channel",
        "Une orientation d'un rendez-vous n'a pas d'autre canal que lui",
    ),
    ({"proposed_on": "2999-01-01"}, "proposed_on", "Orientation datée dans le futur"),
    ({"proposed_on": "1989-12-31"}, "proposed_on", "(31/12/1989) : avant 1990."),
    ({"ref": "Z-9"}, "ref", "Référence inconnue « Z-9 »"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_REFERRALS)
def test_a_bad_referral_row_is_reported(territory, cells, column, message):
    make_visit(make_person(ref="A-1"), make_permanence(territory, D("2024-01-08")))
    good = {"ref": "A-1", "proposed_on": "2024-01-08", "partner": "plie"}
    plan = run_import(referrals=[full_row("referrals", **good), full_row("referrals", **{**good, **cells})])
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("referrals.csv", 3, column)
    assert message in problem.message


def test_two_sessions_one_day_a_referral_names_its_visit_by_start_time(territory):
    person = make_person(ref="A-1")
    for start in ("09:30", "14:00"):
        make_visit(person, make_permanence(territory, D("2024-01-08"), start=start, end="18:00"))
    row = {
        "ref": "A-1",
        "proposed_on": "2024-01-08",
        "partner": "plie",
        "visit_date": "2024-01-08",
        "venue": territory.name,
    }
    [problem] = run_import(referrals=[full_row("referrals", **row)]).problems
    assert "Plusieurs rendez-vous de cette personne ce jour-là dans ce lieu" in problem.message
    assert run_import(referrals=[full_row("referrals", **row, start_time="14:00")]).ok
    assert Referral.objects.get().visit.permanence.start_time == T("14:00")


def test_the_old_referral_column_and_the_referrals_file_are_not_mixed(territory):
    make_person(ref="A-1")
    plan = run_import(
        visits=[["A-1", "2024-01-08", territory.name, "", "", "plie", ""]],
        referrals=[full_row("referrals", ref="A-1", proposed_on="2024-01-08", partner="plie")],
    )
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("visits.csv", 1, "referral")


# --- anonymised files stay anonymised ----------------------------------------------------


def test_an_anonymised_row_must_hold_no_identity(territory):
    row = full_row(
        "beneficiaries",
        ref="A-9",
        last_name="Martin",
        first_name="Anonyme",
        phone="06 00 00 00 00",
        anonymised_on="2025-01-01",
    )
    problems = run_import(beneficiaries=[row]).problems
    assert [(p.column, p.message) for p in problems] == [
        ("last_name", "Dossier anonymisé (anonymised_on rempli) : le nom et le prénom sont « Anonyme »."),
        ("phone", "Dossier anonymisé (anonymised_on rempli) : cette cellule doit rester vide."),
    ]
    assert not Beneficiary.objects.exists()  # refused, not cleaned up: the import erases nothing itself
    anonymous = full_row(
        "beneficiaries", ref="A-9", last_name="Anonyme", first_name="Anonyme", anonymised_on="2025-01-01"
    )
    visit = {"ref": "A-9", "date": "2024-01-08", "venue": territory.name}
    problems = run_import(
        beneficiaries=[anonymous],
        visits=[full_row("visits", **visit, notes="Mme Martin", next_step="Rappeler Mme Martin")],
        referrals=[
            full_row("referrals", ref="A-9", proposed_on="2024-01-08", partner="plie", detail="M. Martin")
        ],
        outcomes=[full_row("outcomes", ref="A-9", type="cdi", start_date="2024-02-01", label="Chez Martin")],
    ).problems
    free_text = "Dossier anonymisé : ce texte libre doit rester vide."
    assert [(p.file, p.column, p.message) for p in problems] == [
        ("visits.csv", "notes", free_text),
        ("visits.csv", "next_step", free_text),
        ("referrals.csv", "detail", free_text),
        ("outcomes.csv", "label", free_text),
    ]


def test_an_import_never_anonymises_nor_changes_an_anonymised_file(territory, today):
    assert import_all(as_files(hand_made(today))).ok
    files = hand_made(today)
    files["beneficiaries"][0] = full_row(  # A-1 anonymised by a file: refused
        "beneficiaries", ref="A-1", last_name="Anonyme", first_name="Anonyme", anonymised_on="2025-01-01"
    )
    files["beneficiaries"][2][-1] = ""  # A-3 given back an identity: refused
    files["visits"][3][5] = "bob"  # A-3's visit changed: refused
    files["outcomes"].append(
        full_row("outcomes", ref="A-3", type="cdi", start_date="2024-09-02")
    )  # added: refused
    problems = [(p.file, p.line, p.column) for p in import_all(as_files(files)).problems]
    assert problems == [
        ("beneficiaries.csv", 2, "anonymised_on"),
        ("beneficiaries.csv", 4, "anonymised_on"),
        ("visits.csv", 5, "ref"),
        ("outcomes.csv", 5, "ref"),
    ]


BAD_REFERENTS = [
    ("zoe", "Compte inconnu « zoe » : indiquez l'identifiant de connexion d'un compte existant."),
    (
        "bob",
        "Le compte « bob » n'est pas un compte actif du rôle conseiller : seul un conseiller ou une "
        "conseillère peut être référent·e d'un dossier.",
    ),
    ("inactive", "Le compte « dora » n'est pas un compte actif du rôle conseiller"),
    ("alice|dora", "Un seul compte par dossier : celui de son ou sa référent·e."),
]


@pytest.mark.parametrize(("cell", "message"), BAD_REFERENTS)
def test_a_referent_that_is_not_a_counsellor_is_reported_on_its_row_and_nothing_is_written(
    territory, other_counsellor, cell, message
):
    if cell == "inactive":
        other_counsellor.is_active = False
        other_counsellor.save()
        cell = "dora"
    rows = [
        full_row("beneficiaries", ref="A-1", last_name="Martin", first_name="Élodie", referent="ALICE"),
        full_row("beneficiaries", ref="A-2", last_name="Diallo", first_name="Moussa", referent=cell),
    ]
    plan = run_import(beneficiaries=rows)
    [problem] = plan.problems
    assert str(problem).startswith(f"beneficiaries.csv, ligne 3, colonne « referent » : {message}")
    assert not Beneficiary.objects.exists()


def test_the_referent_column_sets_clears_or_when_absent_keeps_the_referent(
    territory, counsellor, other_counsellor
):
    make_person("Martin", "Élodie", ref="A-1", referent=counsellor)
    make_person("Diallo", "Moussa", ref="A-2", referent=counsellor)
    make_person("Nguyen", "Linh", ref="A-3", referent=counsellor)
    # A file of the first format, without the column: the referents stay.
    assert run_import(beneficiaries=[person(ref="A-1", phone="06 12 34 56 78")]).ok
    plan = run_import(
        beneficiaries=[
            full_row(
                "beneficiaries", ref="A-2", last_name="Diallo", first_name="Moussa", sex="F", referent="dora"
            ),
            full_row("beneficiaries", ref="A-3", last_name="Nguyen", first_name="Linh", sex="F", referent=""),
        ]
    )
    assert plan.ok and [change.what for change in plan.changes] == ["référent·e", "référent·e"]
    referents = dict(Beneficiary.objects.values_list("ref", "referent__username"))
    assert referents == {"A-1": "alice", "A-2": "dora", "A-3": None}
    assert Beneficiary.objects.get(ref="A-1").phone == "06 12 34 56 78"


def test_an_anonymised_file_gets_no_referent_from_an_import(territory, today):
    row = full_row(
        "beneficiaries",
        ref="A-9",
        last_name="Anonyme",
        first_name="Anonyme",
        referent="alice",
        anonymised_on="2025-01-01",
    )
    [problem] = run_import(beneficiaries=[row]).problems
    assert (problem.column, problem.message) == (
        "referent",
        "Dossier anonymisé (anonymised_on rempli) : cette cellule doit rester vide.",
    )
    assert import_all(as_files(hand_made(today))).ok
    files = hand_made(today)
    files["beneficiaries"][2][FULL_HEADERS["beneficiaries"].index("referent")] = "alice"  # A-3, anonymised
    [problem] = import_all(as_files(files)).problems
    assert (problem.line, problem.column) == (4, "referent")
    assert Beneficiary.objects.get(ref="A-3").referent is None

"""Importing past activity: formats, identities, idempotence, all or nothing,
and a French message with file, line and column for every bad row."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beneficiaries import db
from beneficiaries.enums import OutcomeKind, Partner, ReferralStatus, Sex, VisitKind
from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from core.spreadsheets import measure_sheet
from permanences.enums import PermanenceStatus, Weekday
from permanences.models import Permanence, Quarter, Venue, WeeklySlot

from ..factories import make_permanence, make_person, make_visit
from ..sheets import read_sheet
from .files import (
    OUTCOME_HEADER,
    PERSON_HEADER,
    VISIT_HEADER,
    csv_bytes,
    export_all,
    import_all,
    outcome,
    person,
    row_counts,
    run_import,
    visit,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def territory(venue, quarter):
    Quarter.objects.create(name="Montreau – Le Morillon")
    return venue


def full_set():
    return {
        "beneficiaries": [
            person(quarter="bel air GRANDS pechers", phone="+33 6 12 34 56 78", email="elodie@example.org"),
            person("A-2", "Diallo", "Moussa", sex="M", birth_date="04/05/1985"),
        ],
        "visits": [
            visit(topics="cv_lettre|formation", referral="france_travail", notes="CV repris."),
            visit(date="2024-01-15", kind="suivi"),
            visit("A-2", date="15/01/2024", venue="CENTRE SOCIAL GRAND AIR"),
        ],
        "outcomes": [outcome(end_date="2024-08-01", label="Boulangerie du Bel Air")],
    }


def test_it_imports_persons_visits_referrals_and_outcomes(territory, coordinator):
    plan = run_import(user=coordinator, **full_set())
    assert plan.ok, plan.problems
    elodie = Beneficiary.objects.get(ref="A-1")
    assert (elodie.last_name, elodie.first_name, elodie.sex) == ("Martin", "Élodie", Sex.FEMALE)
    assert elodie.search_key == "martin elodie"
    assert elodie.birth_date == D("1990-03-04")
    assert elodie.quarter.name == "Bel Air – Grands Pêchers"
    assert elodie.phone == "06 12 34 56 78"
    assert elodie.created_by == coordinator
    moussa = Beneficiary.objects.get(ref="A-2")
    assert moussa.birth_date == D("1985-05-04")
    first = Visit.objects.get(beneficiary=elodie, date=D("2024-01-08"))
    assert first.kind == VisitKind.FIRST
    assert sorted(first.topics.values_list("code", flat=True)) == ["cv_lettre", "formation"]
    assert first.notes == "CV repris."
    [referral] = first.referrals.all()
    assert (referral.partner, referral.status, referral.proposed_on) == (
        Partner.FRANCE_TRAVAIL,
        ReferralStatus.PROPOSED,
        D("2024-01-08"),
    )
    assert referral.beneficiary == elodie
    assert Visit.objects.get(beneficiary=moussa).kind == VisitKind.FIRST
    [job] = Outcome.objects.all()
    assert (job.beneficiary, job.kind, job.end_date, job.employer) == (
        elodie,
        OutcomeKind.CDD,
        D("2024-08-01"),
        "Boulangerie du Bel Air",
    )
    # One held permanence a day at the venue, shared by the two persons on the 15th.
    assert Permanence.objects.count() == 2
    assert set(Permanence.objects.values_list("status", flat=True)) == {PermanenceStatus.HELD}
    assert [(label, t.created) for label, t in plan.summary()] == [
        ("Personnes", 2),
        ("Rendez-vous", 3),
        ("Orientations", 1),
        ("Sorties", 1),
        ("Permanences", 2),
        ("Ateliers", 0),
        ("Inscriptions aux ateliers", 0),
    ]


def test_a_dry_run_writes_nothing_and_says_what_would_happen(territory):
    plan = run_import(dry_run=True, **full_set())
    assert plan.ok
    assert plan.persons.created == 2 and plan.visits.created == 3
    assert set(row_counts().values()) == {0}


def test_importing_the_same_files_twice_changes_nothing_the_second_time(territory, coordinator):
    run_import(user=coordinator, **full_set())
    before = row_counts()
    stamps = dict(Beneficiary.objects.values_list("ref", "updated_at"))
    again = run_import(user=coordinator, **full_set())
    assert again.ok
    assert not again.has_changes
    assert again.persons.unchanged == 2 and again.visits.unchanged == 3
    assert again.referrals.unchanged == 1 and again.outcomes.unchanged == 1
    assert again.permanences.unchanged == 2
    assert row_counts() == before
    assert dict(Beneficiary.objects.values_list("ref", "updated_at")) == stamps


def test_a_visit_uses_the_permanence_held_there_that_day(territory):
    held = make_permanence(territory, D("2024-01-08"), start="14:00", end="17:00")
    make_permanence(territory, D("2024-01-08"), start="09:00", end="10:00", status=PermanenceStatus.CANCELLED)
    planned = make_permanence(territory, D("2024-01-15"), status=PermanenceStatus.PLANNED)
    plan = run_import(beneficiaries=[person()], visits=[visit(), visit(date="2024-01-15")])
    assert plan.ok, plan.problems
    assert plan.permanences.created == 0 and plan.permanences.updated == 1
    assert set(Visit.objects.values_list("permanence_id", flat=True)) == {held.pk, planned.pk}
    planned.refresh_from_db()
    assert planned.status == PermanenceStatus.HELD


def test_of_several_permanences_held_that_day_the_earliest_is_chosen(territory):
    make_permanence(territory, D("2024-01-08"), start="14:00", end="17:00")
    earliest = make_permanence(territory, D("2024-01-08"), start="09:00", end="12:00")
    assert run_import(beneficiaries=[person()], visits=[visit()]).ok
    assert Visit.objects.get().permanence == earliest


def test_a_new_permanence_takes_the_weekly_slot_times_else_the_default(territory):
    WeeklySlot.objects.create(
        venue=territory,
        weekday=Weekday.MONDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        valid_from=D("2015-01-01"),
    )
    # 2024-01-08 is a Monday, 2024-01-09 a Tuesday.
    run_import(beneficiaries=[person()], visits=[visit(), visit(date="2024-01-09")])
    monday, tuesday = Permanence.objects.order_by("date")
    assert (monday.start_time, monday.end_time, monday.slot.weekday) == (
        datetime.time(14),
        datetime.time(17),
        Weekday.MONDAY,
    )
    assert (tuesday.start_time, tuesday.end_time, tuesday.slot) == (
        datetime.time(9, 30),
        datetime.time(12, 30),
        None,
    )


def test_an_empty_kind_is_deduced_from_the_persons_first_visit_ever(territory):
    existing = make_person(ref="A-1")
    make_visit(existing, make_permanence(territory, D("2023-06-05")), kind=VisitKind.FIRST)
    plan = run_import(
        visits=[visit(date="2023-01-02"), visit(date="2023-06-05"), visit(date="2024-01-08")],
        beneficiaries=[person("A-2", "Diallo", "Moussa")],
    )
    assert plan.ok and plan.visits.unchanged == 1, plan.problems
    kinds = dict(Visit.objects.filter(beneficiary=existing).values_list("date", "kind"))
    assert kinds == {
        D("2023-01-02"): VisitKind.FIRST,
        # A stored visit is never changed by a deduction, even when its row's kind is empty.
        D("2023-06-05"): VisitKind.FIRST,
        D("2024-01-08"): VisitKind.FOLLOW_UP,
    }


def test_refs_are_found_in_the_database_when_the_persons_file_is_not_given(territory):
    make_person(ref="2019-00007")
    plan = run_import(visits=[visit("2019-00007")], outcomes=[outcome("2019-00007")])
    assert plan.ok, plan.problems
    assert Visit.objects.get().beneficiary.ref == "2019-00007"
    assert Outcome.objects.get().beneficiary.ref == "2019-00007"


def test_changed_rows_update_what_differs_and_only_that(territory, coordinator):
    run_import(user=coordinator, **full_set())
    elodie = Beneficiary.objects.get(ref="A-1")
    changed = full_set()
    changed["beneficiaries"][0] = person(
        last_name="Martin-Petit",
        quarter="Montreau – Le Morillon",
        phone="0612345678",
        email="elodie@example.org",
    )
    changed["visits"][0] = visit(topics="cv_lettre", referral="france_travail|plie", notes="CV repris.")
    changed["outcomes"][0] = outcome(end_date="2024-09-30", label="Boulangerie du Bel Air")
    plan = run_import(user=coordinator, **changed)
    assert (plan.persons.updated, plan.persons.unchanged) == (1, 1)
    assert (plan.visits.updated, plan.referrals.created, plan.outcomes.updated) == (1, 1, 1)
    assert [change.what for change in plan.changes] == [
        "nom, quartier",
        "rendez-vous : thèmes, orientations ajoutées",
        "sortie : date de fin",
    ]
    elodie.refresh_from_db()
    assert elodie.last_name == "Martin-Petit" and elodie.search_key == "martin petit elodie"
    assert elodie.quarter.name == "Montreau – Le Morillon"
    assert elodie.version == 2
    first = Visit.objects.get(beneficiary=elodie, date=D("2024-01-08"))
    assert list(first.topics.values_list("code", flat=True)) == ["cv_lettre"]
    assert sorted(first.referrals.values_list("partner", flat=True)) == ["france_travail", "plie"]
    assert Outcome.objects.get().end_date == D("2024-09-30")


def test_an_absent_column_leaves_stored_values_alone(territory):
    run_import(**full_set())
    header = ["ref", "last_name", "first_name"]
    plan = run_import(beneficiaries=csv_bytes(header, [["A-1", "Martin", "Élodie"]]))
    assert plan.persons.unchanged == 1
    elodie = Beneficiary.objects.get(ref="A-1")
    assert elodie.email == "elodie@example.org" and elodie.sex == Sex.FEMALE
    # A present but empty cell is the truth: not stated.
    run_import(beneficiaries=[person(sex="", phone="", email="", quarter="")])
    elodie.refresh_from_db()
    assert (elodie.sex, elodie.email, elodie.quarter) == (Sex.NOT_STATED, "", None)


def test_a_french_excel_csv_semicolons_bom_and_french_dates(territory):
    data = csv_bytes(
        PERSON_HEADER,
        [person(last_name="Lefèvre", first_name="Zoé", birth_date="04/03/1990")],
        delimiter=";",
        bom=True,
    )
    visits = csv_bytes(
        VISIT_HEADER, [visit(date="08/01/2024", notes="Préparé l'entretien")], delimiter=";", bom=True
    )
    plan = run_import(beneficiaries=data, visits=visits)
    assert plan.ok, plan.problems
    zoe = Beneficiary.objects.get()
    assert (zoe.last_name, zoe.first_name, zoe.birth_date) == ("Lefèvre", "Zoé", D("1990-03-04"))
    assert Visit.objects.get().notes == "Préparé l'entretien"


def test_a_windows_1252_csv_keeps_its_accents(territory):
    data = csv_bytes(
        PERSON_HEADER,
        [
            person(
                last_name="Nguyên",
                first_name="Hélène",
                quarter="Bel Air – Grands Pêchers",
                birth_date="04/03/1990",
            )
        ],
        delimiter=";",
        encoding="cp1252",
    )
    plan = run_import(beneficiaries=data)
    assert plan.ok, plan.problems
    helene = Beneficiary.objects.get()
    assert (helene.last_name, helene.first_name, helene.quarter.name) == (
        "Nguyên",
        "Hélène",
        "Bel Air – Grands Pêchers",
    )


def test_an_xlsx_workbook_with_date_cells(territory):
    persons = xlsx_bytes(
        [*PERSON_HEADER, "commentaire"],
        [["A-1", "Martin", "Élodie", "F", datetime.datetime(1990, 3, 4), None, 612345678, None, "ignoré"]],
    )
    visits = xlsx_bytes(
        VISIT_HEADER, [["A-1", datetime.date(2024, 1, 8), "Centre social Grand Air", None, "cv_lettre"]]
    )
    plan = run_import(beneficiaries=persons, visits=visits)
    assert plan.ok, plan.problems
    elodie = Beneficiary.objects.get()
    assert elodie.birth_date == D("1990-03-04")
    assert elodie.phone == "612345678"
    assert Visit.objects.get().date == D("2024-01-08")


def test_the_first_sheet_of_a_workbook_is_read(territory):
    workbook = openpyxl.Workbook()
    workbook.active.append(PERSON_HEADER)
    workbook.active.append(person())
    notes = workbook.create_sheet("notes")
    for row in (["remarque"], ["à relire"], ["à rappeler"]):
        notes.append(row)
    workbook.active = notes  # opened on the second sheet: the first is read all the same
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert measure_sheet(buffer.getvalue()) == 1
    plan = run_import(beneficiaries=buffer.getvalue())
    assert plan.ok and plan.persons.created == 1, plan.problems
    assert Beneficiary.objects.get().ref == "A-1"


def test_columns_in_any_order_with_extra_ones_ignored(territory):
    data = csv_bytes(["Commentaire", "FIRST_NAME", "ref", " last_name "], [["x", "Zoé", "A-9", "Lefèvre"]])
    plan = run_import(beneficiaries=data)
    assert plan.ok, plan.problems
    assert Beneficiary.objects.get().sex == Sex.NOT_STATED


def test_a_neutralised_cell_is_restored_and_a_raw_formula_refused(territory):
    plan = run_import(beneficiaries=[person(last_name="'=Martin", phone="'+44 20 7946 0958")])
    assert plan.ok, plan.problems
    stored = Beneficiary.objects.get()
    assert (stored.last_name, stored.phone) == ("=Martin", "+44 20 7946 0958")


# --- every bad row, file, line, column and French message ---------------------


BAD_PERSONS = [
    (person(sex="X"), "sex", "Sexe inconnu « X »"),
    (person(birth_date="31/02/1990"), "birth_date", "Date impossible « 31/02/1990 »"),
    (person(birth_date="1990/02/03"), "birth_date", "Date illisible « 1990/02/03 »"),
    (person(birth_date="2999-01-01"), "birth_date", "Date de naissance dans le futur"),
    (person(birth_date="1850-01-01"), "birth_date", "Date de naissance invraisemblable"),
    (person(quarter="Atlantis"), "quarter", "Quartier inconnu « Atlantis »"),
    (person(email="pas-un-courriel"), "email", "Courriel invalide"),
    (person(last_name=""), "last_name", "Nom obligatoire"),
    (person(first_name="x" * 101), "first_name", "Prénom trop long"),
    (person(ref=""), "last_name", "Même personne (mêmes nom, prénom et date de naissance) que ligne 2"),
    (person(last_name='=HYPERLINK("http://example.org","x")'), "last_name", "Formule de tableur refusée"),
    (person(last_name="Mar\x07tin"), "last_name", "Caractère de contrôle"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_PERSONS)
def test_a_bad_person_row_is_reported(territory, row, column, message):
    plan = run_import(beneficiaries=[person("A-0"), row])
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("beneficiaries.csv", 3, column)
    assert message in problem.message
    assert message in str(problem) and "ligne 3" in str(problem)


BAD_VISITS = [
    (visit(ref="Z-9"), "ref", "Référence inconnue « Z-9 »"),
    (visit(venue="Maison des Lilas"), "venue", "Lieu d'accueil inconnu « Maison des Lilas »"),
    (visit(date="2999-01-01"), "date", "Rendez-vous daté dans le futur"),
    (visit(date="1989-12-31"), "date", "avant 1990"),
    (visit(date="30/02/2024"), "date", "Date impossible"),
    (visit(date=""), "date", "Date du rendez-vous obligatoire"),
    (visit(kind="atelier"), "kind", "Type d'entretien inconnu « atelier »"),
    (visit(topics="cv_lettre|astrologie"), "topics", "Thème inconnu « astrologie »"),
    (visit(referral="pole_emploi"), "referral", "Partenaire inconnu « pole_emploi »"),
    (visit(notes="x" * 2001), "notes", "Notes trop long"),
    (visit(date="2024-01-01"), "ref", "Rendez-vous en double"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_VISITS)
def test_a_bad_visit_row_is_reported(territory, row, column, message):
    plan = run_import(beneficiaries=[person()], visits=[visit(date="2024-01-01"), row])
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("visits.csv", 3, column)
    assert message in problem.message


BAD_OUTCOMES = [
    (outcome(type="cdd_senior"), "type", "Type de sortie inconnu « cdd_senior »"),
    (
        outcome(end_date="2024-01-31"),
        "end_date",
        "La date de fin (31/01/2024) précède la date de début (01/02/2024)",
    ),
    (outcome(start_date="1980-01-01"), "start_date", "avant 1990"),
    (outcome(ref="Z-9"), "ref", "Référence inconnue « Z-9 »"),
    (outcome(type="formation"), "ref", "Sortie en double"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_OUTCOMES)
def test_a_bad_outcome_row_is_reported(territory, row, column, message):
    plan = run_import(beneficiaries=[person()], outcomes=[outcome(type="formation"), row])
    [problem] = plan.problems
    assert (problem.file, problem.line, problem.column) == ("outcomes.csv", 3, column)
    assert message in problem.message


def test_the_same_ref_twice_in_the_persons_file(territory):
    plan = run_import(beneficiaries=[person(), person("A-2"), person(first_name="Léa")])
    [problem] = plan.problems
    assert (problem.line, problem.column) == (4, "ref")
    assert problem.message == "Référence « A-1 » déjà présente ligne 2."


def test_a_visit_on_a_cancelled_permanence_is_refused(territory):
    make_permanence(territory, D("2024-01-08"), status=PermanenceStatus.CANCELLED)
    [problem] = run_import(beneficiaries=[person()], visits=[visit()]).problems
    assert (problem.line, problem.column) == (2, "date")
    assert "est annulée" in problem.message


def test_a_missing_required_column(territory):
    data = csv_bytes(["ref", "first_name"], [["A-1", "Élodie"]])
    [problem] = run_import(beneficiaries=data).problems
    assert (problem.line, problem.column) == (1, "last_name")
    assert "Colonne obligatoire absente" in problem.message


def test_a_column_given_twice(territory):
    data = csv_bytes(["ref", "last_name", "first_name", "ref"], [["A-1", "M", "E", "A-1"]])
    [problem] = run_import(beneficiaries=data).problems
    assert problem.message == "Colonne en double : gardez-en une seule."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 40, "caractères nuls"),
        (b"ref,last_name,first_name\nA-1,Mar\x00tin,E\n", "caractères nuls"),
        (b"", "Fichier vide"),
        (b"\xd0\xcf\x11\xe0" + b"\x01" * 64, "(.xls) non pris en charge"),
    ],
)
def test_an_unreadable_file_is_one_problem_without_line(territory, data, message):
    [problem] = run_import(beneficiaries=data).problems
    assert (problem.file, problem.line, problem.column) == ("beneficiaries.csv", None, "")
    assert message in problem.message


def test_every_problem_of_every_file_is_listed_in_order(territory):
    plan = run_import(
        beneficiaries=[person(sex="X", birth_date="demain")],
        visits=[visit(venue="Nulle part"), visit(ref="Z-1")],
        outcomes=[outcome(type="cdi2")],
    )
    assert [(p.file, p.line, p.column) for p in plan.problems] == [
        ("beneficiaries.csv", 2, "sex"),
        ("beneficiaries.csv", 2, "birth_date"),
        ("visits.csv", 2, "venue"),
        ("visits.csv", 3, "ref"),
        ("outcomes.csv", 2, "type"),
    ]


def test_one_bad_row_and_nothing_is_imported(territory):
    make_person(ref="2019-00001")
    before = row_counts()
    files = full_set()
    files["visits"].append(visit(venue="Nulle part"))
    plan = run_import(**files)
    assert len(plan.problems) == 1
    assert row_counts() == before


def test_the_problem_list_stops_at_a_thousand(territory):
    plan = run_import(beneficiaries=[person(f"A-{n}", sex="X") for n in range(1200)])
    assert len(plan.problems) == 1000
    assert plan.truncated


# --- the command ------------------------------------------------------------


def write(tmp_path, name, header, rows):
    path = tmp_path / name
    path.write_bytes(csv_bytes(header, rows))
    return str(path)


def test_the_command_imports_and_summarises(territory, tmp_path):
    out = io.StringIO()
    call_command(
        "import_activity",
        beneficiaries=write(tmp_path, "personnes.csv", PERSON_HEADER, [person()]),
        visits=write(tmp_path, "rdv.csv", VISIT_HEADER, [visit()]),
        stdout=out,
    )
    assert "Personnes : 1 à créer, 0 à modifier, 0 inchangé(s)" in out.getvalue()
    assert "Import terminé." in out.getvalue()
    assert Visit.objects.count() == 1


def test_the_command_dry_run_writes_nothing(territory, tmp_path):
    out = io.StringIO()
    call_command(
        "import_activity",
        "--dry-run",
        outcomes=write(tmp_path, "sorties.csv", OUTCOME_HEADER, []),
        beneficiaries=write(tmp_path, "personnes.csv", PERSON_HEADER, [person()]),
        stdout=out,
    )
    assert "Simulation : rien n'a été enregistré." in out.getvalue()
    assert not Beneficiary.objects.exists()


def test_the_command_lists_every_problem_and_fails(territory, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"2 problème\(s\) : rien n'a été importé"):
        call_command(
            "import_activity",
            beneficiaries=write(tmp_path, "personnes.csv", PERSON_HEADER, [person(), person("A-2", sex="?")]),
            visits=write(tmp_path, "rdv.csv", VISIT_HEADER, [visit(venue="Nulle part")]),
            stderr=err,
            stdout=io.StringIO(),
        )
    assert err.getvalue().splitlines() == [
        "personnes.csv, ligne 3, colonne « sex » : Sexe inconnu « ? » : F, M ou vide (non précisé).",
        "rdv.csv, ligne 2, colonne « venue » : Lieu d'accueil inconnu « Nulle part ».",
    ]
    assert not Beneficiary.objects.exists()


def test_the_command_exits_non_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "import_activity", "--visits", str(tmp_path / "absent.csv")],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "absent.csv : fichier illisible" in result.stderr


def test_the_command_needs_a_file_and_readable_paths(tmp_path):
    with pytest.raises(CommandError, match="Indiquez au moins un fichier"):
        call_command("import_activity")
    with pytest.raises(CommandError, match="fichier illisible"):
        call_command("import_activity", visits=str(tmp_path / "absent.csv"))


def test_referrals_are_added_never_removed(territory):
    run_import(beneficiaries=[person()], visits=[visit(referral="plie")])
    Referral.objects.update(status=ReferralStatus.DONE, checked_on=D("2024-02-01"))
    plan = run_import(beneficiaries=[person()], visits=[visit(referral="")])
    assert plan.ok and not plan.has_changes
    assert Referral.objects.get().status == ReferralStatus.DONE


# --- export then import -------------------------------------------------------


def test_exported_formulas_are_neutralised_and_come_back_intact(venue, today):
    person = make_person(
        last_name='=HYPERLINK("http://example.org")', first_name="@Léa", phone="+44 20 7946 0958"
    )
    visit = make_visit(person, make_permanence(venue, datetime.date(2024, 1, 8)), notes="-2+3 rappeler")
    files = export_all(today)
    text = files["beneficiaries"].decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@Léa" in text and "'+44 20 7946 0958" in text
    assert "'-2+3 rappeler" in files["visits"].decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        for cell in line.split(";"):
            assert not cell.strip('"').startswith(("=", "+", "-", "@", "\t", "\r"))
    visit.delete()
    person.delete()
    assert import_all(files).ok
    back = Beneficiary.objects.get()
    assert (back.last_name, back.first_name, back.phone) == (
        '=HYPERLINK("http://example.org")',
        "@Léa",
        "+44 20 7946 0958",
    )
    assert Visit.objects.get().notes == "-2+3 rappeler"


def test_a_person_not_stated_is_exported_with_an_empty_sex(venue, today):
    make_person(sex="N", first_name="Camille")
    sheet = read_sheet(export_all(today)["beneficiaries"])
    assert sheet.rows[0][1][3] == ""


def test_the_portable_path_without_copy_writes_the_same(territory, monkeypatch):
    """SQLite (the demo) writes with bulk_create: the same rows, derived fields included."""
    monkeypatch.setattr(db, "copy_available", lambda: False)
    plan = run_import(**full_set())
    assert plan.ok
    elodie = Beneficiary.objects.get(ref="A-1")
    assert elodie.search_key == "martin elodie" and elodie.phone == "06 12 34 56 78"
    assert sorted(Visit.objects.values_list("beneficiary__ref", "date", "kind")) == [
        ("A-1", D("2024-01-08"), VisitKind.FIRST),
        ("A-1", D("2024-01-15"), VisitKind.FOLLOW_UP),
        ("A-2", D("2024-01-15"), VisitKind.FIRST),
    ]
    assert Visit.topics.through.objects.count() == 2 and Referral.objects.count() == 1
    assert not run_import(**full_set()).has_changes


def test_referral_results_are_imported_updated_and_never_undone(territory, coordinator):
    visits = [visit(referral="france_travail:done:2024-01-20|plie:not_taken_up|mission_locale")]
    plan = run_import(user=coordinator, beneficiaries=[person()], visits=visits)
    assert plan.ok, plan.problems
    results = {r.partner: (r.status, r.checked_on) for r in Referral.objects.all()}
    assert results == {
        "france_travail": (ReferralStatus.DONE, D("2024-01-20")),
        "plie": (ReferralStatus.NOT_TAKEN_UP, D("2024-01-08")),  # no date: the visit's
        "mission_locale": (ReferralStatus.PROPOSED, None),
    }
    # A later file knows the mission locale's result: it is recorded.
    later = run_import(user=coordinator, visits=[visit(referral="mission_locale:done:2024-02-01")])
    assert later.ok and later.referrals.updated == 1
    assert Referral.objects.get(partner="mission_locale").status == ReferralStatus.DONE
    # A file with partner codes only never undoes a known result.
    again = run_import(user=coordinator, visits=[visit(referral="france_travail|plie|mission_locale")])
    assert again.ok and not again.has_changes
    assert Referral.objects.filter(status=ReferralStatus.PROPOSED).count() == 0


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("france_travail:peut-etre", "Suite d'orientation inconnue"),
        ("france_travail:done:31/02/2024", "Date impossible"),
        ("france_travail:proposed:2024-01-20", "n'a pas de date de vérification"),
        ("france_travail:done:2024-01-01", "vérifiée après le rendez-vous"),
        ("france_travail:done:2024-01-20:x", "Orientation illisible"),
    ],
)
def test_bad_referral_results_are_refused(territory, cell, message):
    plan = run_import(beneficiaries=[person()], visits=[visit(referral=cell)])
    assert not plan.ok
    assert any(message in problem.message and problem.column == "referral" for problem in plan.problems)
    assert set(row_counts().values()) == {0}


def test_an_inactive_venue_is_accepted_and_a_confusable_name_must_be_exact(territory):
    Venue.objects.filter(pk=territory.pk).update(is_active=False)  # past years' venues
    plan = run_import(beneficiaries=[person()], visits=[visit()])
    assert plan.ok, plan.problems
    assert Visit.objects.get().permanence.venue == territory
    Quarter.objects.create(name="Bel-Air")
    bel_air = Quarter.objects.create(name="Bel Air")
    plan = run_import(beneficiaries=[person("A-2", "Diallo", "Moussa", quarter="bel  air")])
    assert [(p.column, p.message) for p in plan.problems] == [
        ("quarter", "Quartier ambigu « bel  air » : plusieurs portent ce nom, écrivez-le exactement.")
    ]
    assert run_import(beneficiaries=[person("A-2", "Diallo", "Moussa", quarter="Bel Air")]).ok
    assert Beneficiary.objects.get(ref="A-2").quarter == bel_air

"""Workshops and their registrations in the import and the nominative export: a
hand-made set comes back byte for byte (waiting list order, cancellation, both
kinds of facilitator, every attendance), file sets without them still import,
and every bad row is reported in French with nothing written."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command

from beneficiaries.data_forms import ImportForm
from beneficiaries.data_services import import_upload_save, import_upload_sources
from beneficiaries.enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Beneficiary, Workshop, WorkshopRegistration
from beneficiaries.services import beneficiary_anonymise
from permanences.models import Quarter, Venue
from reporting.bilan import compute_bilan

from ..factories import make_person, make_workshop
from .files import export_all, full_row, import_all, row_counts, run_import
from .test_import_full import as_files

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
GRAND_AIR, ESPERANTO = "Centre social Grand Air", "Centre social Espéranto"
WAITING, REGISTERED = RegistrationStatus.WAITING, RegistrationStatus.REGISTERED


@pytest.fixture
def territory(venue, quarter, counsellor, coordinator):
    """Two venues, the workshop themes (a data migration) and two accounts: alice and bob."""
    Venue.objects.create(name=ESPERANTO, quarter=Quarter.objects.create(name="La Noue"))
    return venue


def person(ref, last_name, **cells):
    return full_row(
        "beneficiaries", **{"ref": ref, "last_name": last_name, "first_name": "Prénom", "sex": "F", **cells}
    )


def workshop(venue, day, start, end, **cells):
    cells = {
        "venue": venue,
        "date": day,
        "start_time": start,
        "end_time": end,
        "theme": "cv_lettre",
        "capacity": "2",
        "status": "planned",
        **cells,
    }
    return full_row("workshops", **cells)


def registration(ref, date, venue, start, status="registered", attendance=""):
    cells = {"status": status, "attendance": attendance}
    return full_row("registrations", ref=ref, date=date, venue=venue, start_time=start, **cells)


def hand_made(today) -> dict[str, list[list]]:
    """In the export's own order: workshops by date, venue, start; their registrations
    with a place by reference, then the waiting list in its order (B-3 before B-2)."""
    soon = (today + datetime.timedelta(days=10)).isoformat()
    return {
        "beneficiaries": [person(f"B-{n}", f"Nom{n}") for n in range(1, 5)]
        + [person("B-5", "Anonyme", first_name="Anonyme", anonymised_on="2025-06-01")],
        "workshops": [
            workshop(ESPERANTO, "2024-12-31", "09:30", "11:30", facilitator="alice", capacity="3"),
            workshop(
                GRAND_AIR, "2024-12-31", "14:00", "16:00", theme="entretien", facilitator_name="PLIE, M. Ba"
            ),
            workshop(
                GRAND_AIR, "2025-01-01", "10:00", "12:00", status="cancelled", cancel_reason="Jour férié"
            ),
            workshop(GRAND_AIR, soon, "14:00", "16:30", theme="numerique", facilitator="bob", capacity="1"),
        ],
        "registrations": [
            registration("B-1", "2024-12-31", ESPERANTO, "09:30", attendance="present"),
            registration("B-2", "2024-12-31", ESPERANTO, "09:30", attendance="absent"),
            registration("B-5", "2024-12-31", ESPERANTO, "09:30", attendance="present"),
            registration("B-3", "2024-12-31", GRAND_AIR, "14:00", attendance="excused"),
            registration("B-4", "2024-12-31", GRAND_AIR, "14:00", attendance="present"),
            registration("B-1", "2025-01-01", GRAND_AIR, "10:00"),
            registration("B-4", soon, GRAND_AIR, "14:00"),
            registration("B-3", soon, GRAND_AIR, "14:00", status="waiting"),
            registration("B-2", soon, GRAND_AIR, "14:00", status="waiting"),
        ],
    }


def empty_everything() -> None:
    WorkshopRegistration.objects.all().delete()
    Workshop.objects.all().delete()
    Beneficiary.objects.all().delete()


def test_workshops_and_attendance_come_back_byte_for_byte(territory, today, coordinator):
    files = as_files(hand_made(today))
    plan = import_all(files, user=coordinator)
    assert plan.ok, plan.problems
    assert dict(plan.summary())["Ateliers"].created == 4
    assert dict(plan.summary())["Inscriptions aux ateliers"].created == 9
    bilans = [compute_bilan(year).as_dict() for year in (2024, 2025)]
    assert bilans[0]["workshops"] == {
        "sessions": 2,
        "registrations": 5,
        "attendances": 3,
        "persons": 3,
        "persons_without_appointment": 3,
    }
    exported = export_all(today)
    for kind in files:
        assert exported[kind] == files[kind], kind

    empty_everything()
    assert set(row_counts().values()) == {0}
    assert import_all(exported, user=coordinator).ok
    again = export_all(today)
    for kind in files:
        assert again[kind] == files[kind], kind
    assert [compute_bilan(year).as_dict() for year in (2024, 2025)] == bilans
    plan = import_all(exported)
    assert plan.ok and not plan.has_changes


def test_every_workshop_field_and_the_waiting_list_order_are_stored(
    territory, today, counsellor, coordinator
):
    assert import_all(as_files(hand_made(today))).ok
    first, partner, cancelled, coming = Workshop.objects.order_by("date", "venue__name", "start_time")
    assert (first.facilitator, first.capacity, first.theme.code) == (counsellor, 3, "cv_lettre")
    assert (partner.facilitator, partner.facilitator_name, partner.theme.code) == (
        None,
        "PLIE, M. Ba",
        "entretien",
    )
    assert (cancelled.status, cancelled.cancel_reason) == (WorkshopStatus.CANCELLED, "Jour férié")
    assert coming.facilitator == coordinator
    waiting = coming.registrations.waiting().values_list("beneficiary__ref", flat=True)
    assert list(waiting) == ["B-3", "B-2"]
    assert set(first.registrations.values_list("beneficiary__ref", "attendance")) == {
        ("B-1", AttendanceMark.PRESENT),
        ("B-2", AttendanceMark.ABSENT),
        ("B-5", AttendanceMark.PRESENT),
    }


def test_a_file_set_without_workshops_still_imports_and_leaves_them_as_they_are(territory, today):
    stored = make_workshop(territory, D("2024-03-04"))
    WorkshopRegistration.objects.create(workshop=stored, beneficiary=make_person("Durand", "Paul", ref="C-1"))
    plan = run_import(
        beneficiaries=[["A-1", "Martin", "Élodie", "F", "1990-03-04", "", "", ""]],
        visits=[["A-1", "2024-01-08", GRAND_AIR, "", "cv_lettre", "", "Notes"]],
        outcomes=[["A-1", "cdi", "2024-02-01", "", "Mairie"]],
    )
    assert plan.ok, plan.problems
    assert dict(plan.summary())["Ateliers"].total == 0
    assert Workshop.objects.get() == stored and WorkshopRegistration.objects.count() == 1


def test_registrations_without_a_status_take_the_places_then_wait_in_the_files_order(territory):
    make_workshop(territory, D("2024-03-04"), capacity=3)
    WorkshopRegistration.objects.create(workshop=Workshop.objects.get(), beneficiary=make_person(ref="C-1"))
    waiting = make_person(ref="C-2")
    WorkshopRegistration.objects.create(workshop=Workshop.objects.get(), beneficiary=waiting, status=WAITING)
    rows = [registration(f"B-{n}", "2024-03-04", GRAND_AIR, "14:00", status="") for n in (3, 1, 2)]
    # A stored registration keeps its own status, even on the waiting list with a place free.
    rows.insert(0, registration("C-2", "2024-03-04", GRAND_AIR, "14:00", status=""))
    plan = run_import(beneficiaries=[person(f"B-{n}", f"Nom{n}") for n in (1, 2, 3)], registrations=rows)
    assert plan.ok, plan.problems
    statuses = Workshop.objects.get().registrations.order_by("pk").values_list("beneficiary__ref", "status")
    assert list(statuses) == [
        ("C-1", REGISTERED),
        ("C-2", WAITING),
        ("B-3", REGISTERED),
        ("B-1", REGISTERED),
        ("B-2", WAITING),
    ]


def test_a_workshop_without_a_status_is_planned(territory):
    plan = run_import(workshops=[workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00", status="")])
    assert plan.ok, plan.problems
    assert Workshop.objects.get().status == WorkshopStatus.PLANNED


def test_the_import_command_takes_the_two_files(territory, tmp_path):
    files = as_files(
        {
            "workshops": [workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00", facilitator_name="M. Ba")],
            "registrations": [registration("C-1", "2024-03-04", GRAND_AIR, "14:00", attendance="present")],
        }
    )
    make_person(ref="C-1")
    paths = {}
    for kind, data in files.items():
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_bytes(data)
    call_command(
        "import_activity",
        workshops=str(paths["workshops"]),
        registrations=str(paths["registrations"]),
        stdout=io.StringIO(),
    )
    assert WorkshopRegistration.objects.get().attendance == AttendanceMark.PRESENT


def test_the_upload_form_keeps_the_two_files(territory, coordinator):
    assert {"workshops", "registrations"} <= set(ImportForm.base_fields)
    files = {"workshops": ("ateliers.csv", b"venue;date"), "registrations": ("inscriptions.csv", b"ref;date")}
    upload = import_upload_save(user=coordinator, files=files)
    sources = import_upload_sources(upload)
    assert {kind: (source.name, source.data) for kind, source in sources.items()} == files


# --- bad rows ------------------------------------------------------------------------------


BAD_WORKSHOPS = [
    ({"capacity": "²"}, "capacity", "Capacité illisible « ² »"),
    ({"capacity": "0"}, "capacity", "de 1 à 60"),
    ({"capacity": "61"}, "capacity", "de 1 à 60"),
    ({"capacity": "-2"}, "capacity", "Capacité illisible"),
    ({"theme": "yoga"}, "theme", "Thème d'atelier inconnu « yoga »"),
    ({"end_time": "13:00"}, "end_time", "L'heure de fin doit être après"),
    ({"date": "31/02/2024"}, "date", "Date impossible"),
    ({"date": "1989-12-31"}, "date", "avant 1990"),
    ({"status": "held"}, "status", "n'est pas un code possible"),
    ({"status": "cancelled"}, "cancel_reason", "Indiquez le motif de l'annulation"),
    ({"facilitator": "alice", "facilitator_name": "M. Ba"}, "facilitator_name", "pas les deux"),
    ({"facilitator": "inconnu"}, "facilitator", "Compte inconnu"),
    ({"facilitator_name": "x" * 101}, "facilitator_name", "trop long"),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_WORKSHOPS, ids=[c for _, c, _ in BAD_WORKSHOPS])
def test_a_bad_workshop_row_is_reported(territory, cells, column, message):
    plan = run_import(workshops=[workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00", **cells)])
    assert [(p.line, p.column) for p in plan.problems] == [(2, column)], plan.problems
    assert message in plan.problems[0].message
    assert not Workshop.objects.exists()


@pytest.fixture
def full_workshop(territory, today):
    """Two places, taken; a third person waiting; and a coming workshop."""
    held = make_workshop(territory, D("2024-03-04"), capacity=2)
    for ref, status in [("C-1", REGISTERED), ("C-2", REGISTERED), ("C-3", WAITING)]:
        WorkshopRegistration.objects.create(workshop=held, beneficiary=make_person(ref=ref), status=status)
    make_workshop(territory, today + datetime.timedelta(days=5))
    make_person(ref="C-4")
    return held


BAD_REGISTRATIONS = [
    ({"ref": "C-4", "status": "registered"}, "status", "3 inscriptions avec une place pour 2 places"),
    ({"ref": "C-3", "attendance": "present"}, "attendance", "liste d'attente"),
    ({"ref": "C-4", "status": "waiting", "attendance": "present"}, "attendance", "liste d'attente"),
    ({"ref": "C-4", "attendance": "maybe"}, "attendance", "n'est pas un code possible"),
    ({"ref": "C-4", "start_time": "09:00"}, "start_time", "Atelier inconnu"),
    ({"ref": "X-9"}, "ref", "Référence inconnue « X-9 »"),
    ({"ref": "C-4", "date": "²²/03/2024"}, "date", "Date illisible"),
]


@pytest.mark.parametrize(
    ("cells", "column", "message"), BAD_REGISTRATIONS, ids=[str(c) for c, _, _ in BAD_REGISTRATIONS]
)
def test_a_bad_registration_row_is_reported(full_workshop, cells, column, message):
    before = list(WorkshopRegistration.objects.values_list("pk", "status", "attendance"))
    cells = {"date": "2024-03-04", "venue": GRAND_AIR, "start_time": "14:00", "status": "", **cells}
    row = registration(
        cells.pop("ref"), cells.pop("date"), cells.pop("venue"), cells.pop("start_time"), **cells
    )
    plan = run_import(registrations=[row])
    assert [(p.line, p.column) for p in plan.problems] == [(2, column)], plan.problems
    assert message in plan.problems[0].message
    assert list(WorkshopRegistration.objects.values_list("pk", "status", "attendance")) == before


def test_attendance_of_a_coming_workshop_and_a_cancelled_one_are_refused(full_workshop, today):
    soon = (today + datetime.timedelta(days=5)).isoformat()
    plan = run_import(registrations=[registration("C-4", soon, GRAND_AIR, "14:00", attendance="present")])
    assert "à venir, les présences ne peuvent pas être notées" in plan.problems[0].message
    plan = run_import(
        registrations=[registration("C-1", "2024-03-04", GRAND_AIR, "14:00", attendance="present")],
        workshops=[
            workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00", status="cancelled", cancel_reason="x")
        ],
    )
    assert [(p.kind, p.column) for p in plan.problems] == [("workshops", "status")]
    assert "des présences sont notées" in plan.problems[0].message
    assert not WorkshopRegistration.objects.exclude(attendance="").exists()


def test_lowering_the_capacity_below_the_places_taken_is_refused(full_workshop):
    plan = run_import(workshops=[workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00", capacity="1")])
    assert [(p.kind, p.line, p.column) for p in plan.problems] == [("workshops", 2, "capacity")]
    full_workshop.refresh_from_db()
    assert full_workshop.capacity == 2


def test_a_stored_anonymised_file_gets_no_registration(full_workshop, coordinator):
    anonymous = beneficiary_anonymise(beneficiary=Beneficiary.objects.get(ref="C-4"), reason="erreur")
    plan = run_import(
        registrations=[registration(anonymous.ref, "2024-03-04", GRAND_AIR, "14:00", "waiting")]
    )
    assert "est anonymisé : rien ne peut lui être ajouté" in plan.problems[0].message
    assert WorkshopRegistration.objects.count() == 3


def test_a_repeated_workshop_or_registration_and_a_workshop_too_far_ahead_are_refused(territory, today):
    far = (today + datetime.timedelta(days=400)).isoformat()
    plan = run_import(
        beneficiaries=[person("B-1", "Nom1")],
        workshops=[
            workshop(GRAND_AIR, "2024-03-04", "14:00", "16:00"),
            workshop(GRAND_AIR, "04/03/2024", "14h00", "17:00"),
            workshop(GRAND_AIR, far, "14:00", "16:00"),
        ],
        registrations=[
            registration("B-1", "2024-03-04", GRAND_AIR, "14:00"),
            registration("B-1", "2024-03-04", GRAND_AIR, "14:00", attendance="present"),
        ],
    )
    found = [(p.kind, p.line, p.column, p.message) for p in plan.problems]
    assert [(kind, line, column) for kind, line, column, _ in found] == [
        ("workshops", 3, "start_time"),
        ("workshops", 4, "date"),
        ("registrations", 3, "ref"),
    ]
    assert "Atelier en double" in found[0][3] and "plus d'un an après aujourd'hui" in found[1][3]
    assert "Inscription en double : même personne et même atelier que ligne 2" in found[2][3]
    assert not Workshop.objects.exists()


def test_the_xlsx_export_writes_the_capacity_and_the_duration_as_numbers(territory, today, coordinator):
    made = hand_made(today)
    made["visits"] = [
        full_row("visits", ref="B-1", date="2024-12-31", venue=ESPERANTO, duration_minutes="45")
    ]
    assert import_all(as_files(made), user=coordinator).ok
    numbers = {}
    for kind, data in export_all(today, fmt="xlsx").items():
        rows = list(
            openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True)
        )
        numeric = {
            name
            for row in rows[1:]
            for name, cell in zip(rows[0], row, strict=True)
            if isinstance(cell, int | float)
        }
        if numeric:
            numbers[kind] = numeric
    # The rest is text: dates, times and codes as the CSV writes them.
    assert numbers == {"workshops": {"capacity"}, "visits": {"duration_minutes"}}

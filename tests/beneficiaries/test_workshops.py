"""Workshops: capacity and the waiting list, attendance, anonymised files, the
constraints of the tables, and their audit trail."""

import datetime

import pytest
from django.urls import reverse

from audit.context import acting_as
from audit.enums import AuditAction
from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Beneficiary, Workshop, WorkshopRegistration
from beneficiaries.services import BeneficiaryError, beneficiary_anonymise
from beneficiaries.workshop_services import (
    AlreadyRegistered,
    attendance_mark,
    registration_add,
    registration_remove,
    workshop_update,
)
from reporting.bilan import compute_bilan

from ..audit.helpers import only_entry, who
from ..factories import make_person, make_workshop
from ..reporting.test_exports import pdf_text
from ..test_constraints import assert_refused

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
PRESENT, ABSENT, EXCUSED = AttendanceMark.PRESENT, AttendanceMark.ABSENT, AttendanceMark.EXCUSED


def people(count: int) -> list:
    return [make_person(f"Nom{n:02d}", "Prénom") for n in range(count)]


def statuses(workshop: Workshop) -> list[tuple[str, str]]:
    """(last name, status) in registration order."""
    rows = workshop.registrations.order_by("pk").values_list("beneficiary__last_name", "status")
    return [(name, status) for name, status in rows]


def edit_data(workshop: Workshop, **changes) -> dict:
    fields = (
        "theme",
        "venue",
        "date",
        "start_time",
        "end_time",
        "capacity",
        "facilitator",
        "facilitator_name",
    )
    data = {name: getattr(workshop, name) for name in fields}
    return {**data, "status": workshop.status, "cancel_reason": workshop.cancel_reason, **changes}


# --- capacity and waiting list --------------------------------------------------------


def test_registrations_beyond_capacity_go_on_the_waiting_list_in_order(venue, today, counsellor):
    workshop = make_workshop(venue, today + 7 * DAY, capacity=2)
    registrations = [
        registration_add(workshop=workshop, beneficiary=person, user=counsellor) for person in people(5)
    ]
    assert [r.status for r in registrations] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITING,
        RegistrationStatus.WAITING,
        RegistrationStatus.WAITING,
    ]
    assert list(workshop.registrations.waiting().values_list("beneficiary__last_name", flat=True)) == [
        "Nom02",
        "Nom03",
        "Nom04",
    ]


def test_a_freed_place_goes_to_the_first_on_the_waiting_list(venue, today, counsellor):
    workshop = make_workshop(venue, today + 7 * DAY, capacity=2)
    first, _second, *waiting = [
        registration_add(workshop=workshop, beneficiary=person, user=counsellor) for person in people(4)
    ]
    promoted = registration_remove(registration=first, user=counsellor)
    assert [r.pk for r in promoted] == [waiting[0].pk]
    assert statuses(workshop) == [
        ("Nom01", RegistrationStatus.REGISTERED),
        ("Nom02", RegistrationStatus.REGISTERED),
        ("Nom03", RegistrationStatus.WAITING),
    ]
    # Taking back a waiting registration frees no place: nobody moves.
    assert registration_remove(registration=waiting[1], user=counsellor) == []
    assert statuses(workshop)[-1] == ("Nom02", RegistrationStatus.REGISTERED)


def test_raising_the_capacity_promotes_the_waiting_list_in_order(venue, today, counsellor):
    workshop = make_workshop(venue, today + 7 * DAY, capacity=1)
    for person in people(4):
        registration_add(workshop=workshop, beneficiary=person, user=counsellor)
    promoted = workshop_update(workshop=workshop, data=edit_data(workshop, capacity=3), user=counsellor)
    assert [r.beneficiary.last_name for r in promoted] == ["Nom01", "Nom02"]
    assert [status for _, status in statuses(workshop)] == [RegistrationStatus.REGISTERED] * 3 + [
        RegistrationStatus.WAITING
    ]


def test_the_capacity_cannot_go_below_the_places_taken(venue, today, counsellor):
    workshop = make_workshop(venue, today + 7 * DAY, capacity=3)
    for person in people(3):
        registration_add(workshop=workshop, beneficiary=person, user=counsellor)
    with pytest.raises(BeneficiaryError, match="3 personnes ont déjà une place"):
        workshop_update(workshop=workshop, data=edit_data(workshop, capacity=2), user=counsellor)
    workshop.refresh_from_db()
    assert workshop.capacity == 3


def test_a_cancelled_workshop_takes_no_registration(venue, today, counsellor):
    workshop = make_workshop(
        venue, today + 7 * DAY, status=WorkshopStatus.CANCELLED, cancel_reason="Salle fermée"
    )
    with pytest.raises(BeneficiaryError, match="annulé"):
        registration_add(workshop=workshop, beneficiary=make_person(), user=counsellor)
    assert not WorkshopRegistration.objects.exists()


def test_a_cancelled_workshop_takes_no_attendance(venue, today, counsellor):
    workshop = make_workshop(venue, today)
    registration = registration_add(workshop=workshop, beneficiary=make_person(), user=counsellor)
    cancelled = {"status": WorkshopStatus.CANCELLED, "cancel_reason": "Salle fermée"}
    Workshop.objects.filter(pk=workshop.pk).update(**cancelled)
    workshop.refresh_from_db()
    with pytest.raises(BeneficiaryError, match="on ne peut plus s'y inscrire ni y noter de présence"):
        attendance_mark(workshop=workshop, marks={registration.pk: AttendanceMark.PRESENT}, user=counsellor)
    registration.refresh_from_db()
    assert registration.attendance == AttendanceMark.NOT_MARKED


def test_a_person_is_registered_once(venue, today, counsellor):
    workshop = make_workshop(venue, today + 7 * DAY)
    person = make_person()
    registration_add(workshop=workshop, beneficiary=person, user=counsellor)
    with pytest.raises(AlreadyRegistered, match="déjà inscrite"):
        registration_add(workshop=workshop, beneficiary=person, user=counsellor)
    assert workshop.registrations.count() == 1


def test_an_anonymised_file_cannot_be_registered(venue, today, counsellor):
    workshop = make_workshop(venue, today)
    person = beneficiary_anonymise(beneficiary=make_person(), reason="erreur", user=counsellor)
    with pytest.raises(BeneficiaryError, match="anonymisé"):
        registration_add(workshop=workshop, beneficiary=person, user=counsellor, present=True)
    assert not WorkshopRegistration.objects.exists()


# --- at the door and attendance ----------------------------------------------------------


def test_at_the_door_a_person_is_registered_and_marked_present(venue, today, counsellor):
    workshop = make_workshop(venue, today, capacity=1)
    walk_in, late = people(2)
    registration = registration_add(workshop=workshop, beneficiary=walk_in, user=counsellor, present=True)
    assert (registration.status, registration.attendance) == (RegistrationStatus.REGISTERED, PRESENT)
    # Full: the next one waits, and is not marked present.
    waiting = registration_add(workshop=workshop, beneficiary=late, user=counsellor, present=True)
    assert (waiting.status, waiting.attendance) == (RegistrationStatus.WAITING, "")


def test_a_registered_person_arriving_at_the_door_is_marked_present(venue, today, counsellor):
    workshop = make_workshop(venue, today)
    person = make_person()
    registration = registration_add(workshop=workshop, beneficiary=person, user=counsellor)
    again = registration_add(workshop=workshop, beneficiary=person, user=counsellor, present=True)
    assert again.pk == registration.pk and again.attendance == PRESENT


def test_presence_is_not_noted_before_the_day(venue, today, counsellor):
    workshop = make_workshop(venue, today + DAY)
    with pytest.raises(BeneficiaryError, match="à venir"):
        registration_add(workshop=workshop, beneficiary=make_person(), user=counsellor, present=True)
    registration = registration_add(workshop=workshop, beneficiary=make_person("Autre"), user=counsellor)
    with pytest.raises(BeneficiaryError, match="à venir"):
        attendance_mark(workshop=workshop, marks={registration.pk: PRESENT}, user=counsellor)
    registration.refresh_from_db()
    assert registration.attendance == ""


def test_attendance_is_marked_present_absent_or_excused(venue, today, counsellor):
    workshop = make_workshop(venue, today - DAY, capacity=3)
    registrations = [
        registration_add(workshop=workshop, beneficiary=person, user=counsellor) for person in people(4)
    ]
    marks = dict(zip([r.pk for r in registrations[:3]], [PRESENT, ABSENT, EXCUSED], strict=True))
    assert attendance_mark(workshop=workshop, marks=marks, user=counsellor) == 3
    assert list(workshop.registrations.order_by("pk").values_list("attendance", flat=True)) == [
        PRESENT,
        ABSENT,
        EXCUSED,
        "",
    ]
    # Again with one change: one row written.
    marks[registrations[1].pk] = PRESENT
    assert attendance_mark(workshop=workshop, marks=marks, user=counsellor) == 1
    # The waiting list has no place, hence no attendance.
    with pytest.raises(BeneficiaryError, match="liste d'attente"):
        attendance_mark(workshop=workshop, marks={registrations[3].pk: PRESENT}, user=counsellor)


def test_a_workshop_with_attendance_is_neither_cancelled_nor_moved_ahead(venue, today, counsellor):
    workshop = make_workshop(venue, today)
    registration_add(workshop=workshop, beneficiary=make_person(), user=counsellor, present=True)
    cancelled = edit_data(workshop, status=WorkshopStatus.CANCELLED, cancel_reason="Pluie")
    with pytest.raises(BeneficiaryError, match="ne peut pas être annulé"):
        workshop_update(workshop=workshop, data=cancelled, user=counsellor)
    with pytest.raises(BeneficiaryError, match="date à venir"):
        workshop_update(workshop=workshop, data=edit_data(workshop, date=today + DAY), user=counsellor)


def test_an_anonymised_files_attendance_stays_as_it_is(venue, today, counsellor):
    workshop = make_workshop(venue, today)
    person = make_person()
    registration = registration_add(workshop=workshop, beneficiary=person, user=counsellor, present=True)
    beneficiary_anonymise(beneficiary=person, reason="erreur", user=counsellor)
    with pytest.raises(BeneficiaryError, match="anonymisé"):
        attendance_mark(workshop=workshop, marks={registration.pk: ABSENT}, user=counsellor)
    with pytest.raises(BeneficiaryError, match="anonymisé"):
        registration_remove(registration=registration, user=counsellor)
    registration.refresh_from_db()
    assert registration.attendance == PRESENT


# --- the database's constraints -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"end_time": datetime.time(13)}, "L'heure de fin doit être après"),
        ({"capacity": 0}, "La capacité doit être comprise entre 1 et 60"),
        ({"capacity": 61}, "La capacité doit être comprise entre 1 et 60"),
        ({"status": "maybe"}, "Statut d'atelier inconnu"),
        ({"status": WorkshopStatus.CANCELLED}, "Indiquez le motif de l'annulation"),
        ({"date": datetime.date(1989, 12, 31)}, "Date de l'atelier invraisemblable"),
    ],
)
def test_workshop_fields_are_checked(venue, counsellor, fields, message):
    workshop = make_workshop(venue, datetime.date(2024, 3, 4))
    for name, value in fields.items():
        setattr(workshop, name, value)
    assert_refused(workshop, message)


def test_a_workshop_has_one_facilitator_and_one_start_per_venue_and_day(venue, counsellor):
    workshop = make_workshop(venue, datetime.date(2024, 3, 4))
    workshop.facilitator = counsellor
    assert_refused(workshop, "pas les deux")
    other = make_workshop(venue, datetime.date(2024, 3, 5))
    other.date = workshop.date
    assert_refused(other, "Un atelier commence déjà à cette heure")


def test_registration_fields_are_checked(venue, counsellor):
    workshop = make_workshop(venue, datetime.date(2024, 3, 4))
    person = make_person()
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person)
    assert_refused(WorkshopRegistration(workshop=workshop, beneficiary=person), "déjà inscrite à cet atelier")
    other = make_person("Autre")
    assert_refused(
        WorkshopRegistration(workshop=workshop, beneficiary=other, status="x"), "Inscription inconnue"
    )
    assert_refused(
        WorkshopRegistration(workshop=workshop, beneficiary=other, attendance="x"), "Présence inconnue"
    )
    assert_refused(
        WorkshopRegistration(
            workshop=workshop, beneficiary=other, status=RegistrationStatus.WAITING, attendance=PRESENT
        ),
        "sa présence ne se note pas",
    )


# --- the audit trail ----------------------------------------------------------------------


def test_a_registration_is_in_the_trail_of_its_persons_file(venue, today, counsellor):
    with acting_as(counsellor):
        workshop = make_workshop(venue, today)
        person = make_person()
        registration = registration_add(workshop=workshop, beneficiary=person, user=counsellor, present=True)
    entry = only_entry(registration, AuditAction.CREATE)
    assert (entry.file_ref, who(entry)) == (person.ref, (counsellor, "alice"))
    assert only_entry(workshop, AuditAction.CREATE).file_ref == ""


# --- merge, right of access ----------------------------------------------------------------


def test_merging_two_files_keeps_one_registration_per_workshop_and_frees_the_place(venue, today, coordinator):
    kept, removed, waiting = make_person("Martin"), make_person("Martin", "Elodie"), make_person("Autre")
    both = make_workshop(venue, today - DAY, capacity=2)
    WorkshopRegistration.objects.create(workshop=both, beneficiary=kept, attendance=ABSENT)
    WorkshopRegistration.objects.create(workshop=both, beneficiary=removed, attendance=PRESENT)
    WorkshopRegistration.objects.create(workshop=both, beneficiary=waiting, status=RegistrationStatus.WAITING)
    only_removed = make_workshop(venue, today + DAY)
    WorkshopRegistration.objects.create(workshop=only_removed, beneficiary=removed)

    beneficiary_merge(kept=kept, removed=removed, user=coordinator)

    assert set(kept.workshop_registrations.values_list("workshop", "status", "attendance")) == {
        (both.pk, RegistrationStatus.REGISTERED, PRESENT),
        (only_removed.pk, RegistrationStatus.REGISTERED, ""),
    }
    # One place was counted twice: it goes to the waiting list.
    assert both.registrations.get(beneficiary=waiting).status == RegistrationStatus.REGISTERED
    assert compute_bilan(both.date.year).workshops.persons == 1


def test_the_access_document_lists_the_workshops(client, coordinator, venue, today):
    person = make_person()
    workshop = make_workshop(venue, today - DAY)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person, attendance=EXCUSED)
    client.force_login(coordinator)
    response = client.get(reverse("beneficiaries:access_document", args=[person.pk]))
    text = " ".join(pdf_text(response.content).split())
    assert "Ateliers collectifs (1)" in text
    assert f"{workshop.date:%d/%m/%Y} {workshop.theme.label}" in text and "Excusé·e" in text


def test_attending_a_workshop_is_a_contact_that_keeps_a_file_from_anonymisation(venue, today):
    old = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    came, missed = make_person("Venue"), make_person("Absente")
    Beneficiary.objects.filter(pk__in=[came.pk, missed.pk]).update(created_at=old)
    workshop = make_workshop(venue, today - 30 * DAY)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=came, attendance=PRESENT)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=missed, attendance=ABSENT)
    cutoff = today - 730 * DAY
    assert set(Beneficiary.objects.inactive_since(cutoff)) == {missed}
    # Two years after that workshop, the one who came is due too.
    assert set(Beneficiary.objects.inactive_since(today)) == {came, missed}

"""The workshops' pages: list, workshop, forms, registering from a file and at the
door (with the desk's search and duplicate warning), attendance; hostile input
refused in French with a 400 and nothing saved; query counts pinned."""

import datetime
import html
import uuid

import pytest
from django.urls import reverse

from beneficiaries.enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Beneficiary, Workshop, WorkshopRegistration, WorkshopTheme
from beneficiaries.services import beneficiary_anonymise

from ..factories import make_person, make_workshop

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
PRESENT = AttendanceMark.PRESENT


def text(response) -> str:
    """The page as read, HTML entities (the apostrophes) decoded."""
    return html.unescape(response.content.decode())


@pytest.fixture
def counsellor_client(client, counsellor):
    client.force_login(counsellor)
    return client


def workshop_form(place, day, **changes) -> dict:
    data = {
        "token": str(uuid.uuid4()),
        "theme": WorkshopTheme.objects.get(code="cv_lettre").pk,
        "venue": place.pk,
        "date": day.strftime("%d/%m/%Y"),
        "start_time": "14:00",
        "end_time": "16:00",
        "capacity": "12",
        "facilitator": "",
        "facilitator_name": "Mme Diallo (PLIE)",
    }
    return {**data, **changes}


def register(client, workshop, person, **extra):
    data = {"workshop": workshop.pk, "beneficiary": person.pk, **extra}
    return client.post(reverse("beneficiaries:workshop_register"), data)


# --- create and change --------------------------------------------------------------------


def test_a_counsellor_creates_a_workshop(counsellor_client, venue, today, counsellor):
    response = counsellor_client.post(
        reverse("beneficiaries:workshop_create"), workshop_form(venue, today + DAY)
    )
    workshop = Workshop.objects.get()
    assert response.url == reverse("beneficiaries:workshop", args=[workshop.pk])
    assert (workshop.capacity, workshop.facilitator_name, workshop.created_by) == (
        12,
        "Mme Diallo (PLIE)",
        counsellor,
    )


HOSTILE = [
    ({"date": "31/02/2026"}, "Date invalide"),
    ({"date": "²²/01/2026"}, "Date invalide"),
    ({"date": "01/01/1989"}, "invraisemblable"),
    ({"start_time": "²4:00"}, "Heure invalide"),
    ({"start_time": "25:00"}, "Heure invalide"),
    ({"start_time": "16:00", "end_time": "14:00"}, "L'heure de fin doit être après"),
    ({"capacity": "0"}, "La capacité doit être comprise entre 1 et 60"),
    ({"capacity": "-3"}, "La capacité doit être comprise entre 1 et 60"),
    ({"capacity": "99999999999999999999999"}, "Saisissez un nombre entier"),
    ({"capacity": "1000"}, "La capacité doit être comprise entre 1 et 60"),
    ({"capacity": "١٢"}, "Saisissez un nombre entier"),
    ({"capacity": "²"}, "Saisissez un nombre entier"),
    ({"facilitator_name": "x" * 101}, "au plus 100 caractères"),
    ({"facilitator_name": ""}, "Indiquez qui anime l'atelier"),
    ({"theme": "²"}, "Thème inconnu"),
    ({"venue": "999999"}, "Lieu inconnu"),
    ({"facilitator": "²"}, "ne peut pas animer"),
]


@pytest.mark.parametrize(("changes", "message"), HOSTILE, ids=[str(c) for c, _ in HOSTILE])
def test_hostile_input_on_the_create_form_is_refused_in_french(
    counsellor_client, venue, today, changes, message
):
    response = counsellor_client.post(
        reverse("beneficiaries:workshop_create"), workshop_form(venue, today + DAY, **changes)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Workshop.objects.exists()


def test_both_facilitators_are_refused(counsellor_client, venue, today, counsellor):
    data = workshop_form(venue, today + DAY, facilitator=counsellor.pk)
    response = counsellor_client.post(reverse("beneficiaries:workshop_create"), data)
    assert response.status_code == 400
    assert "pas les deux" in text(response)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        *HOSTILE[:10],
        ({"status": "²"}, "Statut inconnu"),
        ({"status": WorkshopStatus.CANCELLED, "cancel_reason": ""}, "Indiquez le motif de l'annulation"),
        ({"status": WorkshopStatus.CANCELLED, "cancel_reason": "x" * 256}, "au plus 255 caractères"),
        ({"capacity": "1"}, "2 personnes ont déjà une place"),
    ],
)
def test_hostile_input_on_the_edit_form_changes_nothing(counsellor_client, venue, today, changes, message):
    workshop = make_workshop(venue, today + DAY, capacity=5)
    for person in (make_person("Un"), make_person("Deux")):
        WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person)
    data = {**workshop_form(venue, today + DAY, capacity="5"), "status": WorkshopStatus.PLANNED, **changes}
    response = counsellor_client.post(reverse("beneficiaries:workshop_edit", args=[workshop.pk]), data)
    assert response.status_code == 400
    assert message in text(response)
    saved = Workshop.objects.get()
    assert (saved.capacity, saved.status, saved.start_time, saved.facilitator_name) == (
        5,
        WorkshopStatus.PLANNED,
        datetime.time(14),
        "Intervenante PLIE",
    )


def test_raising_the_capacity_on_the_edit_form_says_who_leaves_the_waiting_list(
    counsellor_client, venue, today
):
    workshop = make_workshop(venue, today + DAY, capacity=1)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=make_person("Un"))
    WorkshopRegistration.objects.create(
        workshop=workshop, beneficiary=make_person("Deux", "Awa"), status=RegistrationStatus.WAITING
    )
    data = {**workshop_form(venue, today + DAY, capacity="2"), "status": WorkshopStatus.PLANNED}
    response = counsellor_client.post(
        reverse("beneficiaries:workshop_edit", args=[workshop.pk]), data, follow=True
    )
    assert "Awa Deux passe de la liste d'attente à l'atelier." in text(response)
    assert workshop.registrations.with_place().count() == 2


# --- registering ---------------------------------------------------------------------------


def test_a_person_is_registered_from_their_file(counsellor_client, venue, today):
    workshop = make_workshop(venue, today + 7 * DAY)
    person = make_person()
    page = text(counsellor_client.get(reverse("beneficiaries:detail", args=[person.pk])))
    assert "Inscrire à un atelier à venir" in page and f'value="{workshop.pk}"' in page
    file_page = reverse("beneficiaries:detail", args=[person.pk])
    response = register(counsellor_client, workshop, person, next=file_page)
    assert response.url == file_page
    registration = WorkshopRegistration.objects.get()
    assert (registration.beneficiary, registration.status, registration.attendance) == (
        person,
        RegistrationStatus.REGISTERED,
        "",
    )
    page = text(counsellor_client.get(file_page))
    assert "inscrit·e" in page and "Inscrire à un atelier à venir" not in page


def test_registering_beyond_capacity_says_the_rank_on_the_waiting_list(counsellor_client, venue, today):
    workshop = make_workshop(venue, today + 7 * DAY, capacity=1)
    register(counsellor_client, workshop, make_person("Un"))
    register(counsellor_client, workshop, make_person("Deux"))
    response = register(counsellor_client, workshop, make_person("Trois", "Léa"))
    page = text(counsellor_client.get(response.url))
    assert "Atelier complet : Léa Trois est sur la liste d'attente (rang 2)." in page
    assert "Liste d'attente, rang 1" in page and "Liste d'attente, rang 2" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"workshop": "²", "beneficiary": "1"}, "Saisissez un nombre entier"),
        ({"workshop": "1", "beneficiary": "١٢"}, "Saisissez un nombre entier"),
        ({"workshop": "", "beneficiary": "1"}, "Choisissez un atelier"),
        ({"workshop": "-1", "beneficiary": "1"}, "supérieure ou égale à 1"),
    ],
)
def test_hostile_registrations_are_refused(counsellor_client, data, message):
    response = counsellor_client.post(reverse("beneficiaries:workshop_register"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert not WorkshopRegistration.objects.exists()


def test_an_anonymised_file_cannot_be_registered(counsellor_client, venue, today, counsellor):
    workshop = make_workshop(venue, today)
    person = beneficiary_anonymise(beneficiary=make_person(), reason="erreur", user=counsellor)
    response = register(counsellor_client, workshop, person, present="on")
    assert response.status_code == 403
    assert "Ce dossier est anonymisé" in text(response)
    assert not WorkshopRegistration.objects.exists()


def test_a_cancelled_workshop_refuses_a_registration_with_a_400(counsellor_client, venue, today):
    workshop = make_workshop(
        venue, today + DAY, status=WorkshopStatus.CANCELLED, cancel_reason="Salle fermée"
    )
    response = register(counsellor_client, workshop, make_person())
    assert response.status_code == 400
    assert "Cet atelier est annulé" in text(response)
    assert not WorkshopRegistration.objects.exists()


# --- at the door ---------------------------------------------------------------------------


def test_at_the_door_the_search_finds_a_file_and_adds_the_person_present(counsellor_client, venue, today):
    workshop = make_workshop(venue, today)
    person = make_person("Martin", "Élodie")
    page = text(counsellor_client.get(reverse("beneficiaries:workshop", args=[workshop.pk])))
    assert "Accueil à la porte" in page and 'name="atelier"' in page
    results = counsellor_client.get(reverse("beneficiaries:search"), {"q": "martin", "atelier": workshop.pk})
    found = text(results)
    assert "ajouter à l'atelier (présent·e)" in found and f'name="beneficiary" value="{person.pk}"' in found
    register(counsellor_client, workshop, person, present="on")
    assert WorkshopRegistration.objects.get().attendance == PRESENT


def test_at_the_door_a_new_file_shows_the_desks_duplicate_warning_then_is_created_and_added(
    counsellor_client, venue, today
):
    workshop = make_workshop(venue, today)
    existing = make_person("Martin", "Élodie", birth_date=datetime.date(1990, 5, 4))
    url = reverse("beneficiaries:create") + f"?atelier={workshop.pk}"
    form = {"token": str(uuid.uuid4()), "last_name": "MARTIN", "first_name": "Elodie", "sex": "F"}
    warned = counsellor_client.post(url, {**form, "birth_date": "04/05/1990"})
    found = text(warned)
    assert "Cette personne a peut-être déjà un dossier" in found
    assert "C'est elle ou lui : ajouter à l'atelier (présent·e)" in found
    assert f'name="beneficiary" value="{existing.pk}"' in found
    assert Beneficiary.objects.count() == 1
    # Another person after all: confirmed, created, and added present.
    created = counsellor_client.post(url, {**form, "birth_date": "04/05/1990", "confirm_new": "on"})
    assert created.url == reverse("beneficiaries:workshop", args=[workshop.pk])
    newcomer = Beneficiary.objects.exclude(pk=existing.pk).get()
    registration = WorkshopRegistration.objects.get()
    assert (registration.beneficiary, registration.attendance) == (newcomer, PRESENT)


def test_before_the_day_the_search_registers_without_presence(counsellor_client, venue, today):
    workshop = make_workshop(venue, today + DAY)
    make_person("Martin", "Élodie")
    found = text(
        counsellor_client.get(reverse("beneficiaries:search"), {"q": "martin", "atelier": workshop.pk})
    )
    assert "inscrire à l'atelier" in found and 'name="present"' not in found


# --- attendance and taking back ----------------------------------------------------------------


def test_attendance_is_marked_on_the_workshops_page(counsellor_client, venue, today):
    workshop = make_workshop(venue, today - DAY)
    first, second = (
        WorkshopRegistration.objects.create(workshop=workshop, beneficiary=make_person(name))
        for name in ("Un", "Deux")
    )
    url = reverse("beneficiaries:workshop_attendance", args=[workshop.pk])
    response = counsellor_client.post(
        url, {f"presence-{first.pk}": "present", f"presence-{second.pk}": "excused"}
    )
    assert response.status_code == 302
    assert dict(workshop.registrations.values_list("pk", "attendance")) == {
        first.pk: PRESENT,
        second.pk: AttendanceMark.EXCUSED,
    }


@pytest.mark.parametrize("value", ["²", "peut-être", "x" * 300])
def test_an_unknown_attendance_is_refused(counsellor_client, venue, today, value):
    workshop = make_workshop(venue, today - DAY)
    registration = WorkshopRegistration.objects.create(workshop=workshop, beneficiary=make_person())
    url = reverse("beneficiaries:workshop_attendance", args=[workshop.pk])
    response = counsellor_client.post(url, {f"presence-{registration.pk}": value})
    assert response.status_code == 400
    assert "Présence inconnue" in text(response)
    registration.refresh_from_db()
    assert registration.attendance == ""


def test_attendance_of_a_coming_workshop_is_refused(counsellor_client, venue, today):
    workshop = make_workshop(venue, today + DAY)
    registration = WorkshopRegistration.objects.create(workshop=workshop, beneficiary=make_person())
    url = reverse("beneficiaries:workshop_attendance", args=[workshop.pk])
    response = counsellor_client.post(url, {f"presence-{registration.pk}": "present"})
    assert response.status_code == 400
    assert "les présences se notent le jour même" in text(response)
    registration.refresh_from_db()
    assert registration.attendance == ""


def test_taking_a_registration_back_gives_the_place_to_the_first_waiting(counsellor_client, venue, today):
    workshop = make_workshop(venue, today + DAY, capacity=1)
    first = WorkshopRegistration.objects.create(workshop=workshop, beneficiary=make_person("Un"))
    WorkshopRegistration.objects.create(
        workshop=workshop, beneficiary=make_person("Deux", "Awa"), status=RegistrationStatus.WAITING
    )
    response = counsellor_client.post(
        reverse("beneficiaries:workshop_unregister", args=[first.pk]), follow=True
    )
    assert "Awa Deux passe de la liste d'attente à l'atelier." in text(response)
    assert list(workshop.registrations.values_list("status", flat=True)) == [RegistrationStatus.REGISTERED]


def test_an_anonymised_registration_is_not_taken_back(counsellor_client, venue, today, counsellor):
    workshop = make_workshop(venue, today)
    person = make_person()
    registration = WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person)
    beneficiary_anonymise(beneficiary=person, reason="erreur", user=counsellor)
    response = counsellor_client.post(reverse("beneficiaries:workshop_unregister", args=[registration.pk]))
    assert response.status_code == 403
    assert "anonymisé" in text(response)
    assert WorkshopRegistration.objects.exists()


# --- roles and queries ------------------------------------------------------------------------


def test_the_city_sees_no_workshop_page_and_the_nav_shows_ateliers_to_counsellors(
    client, city, counsellor, venue, today
):
    workshop = make_workshop(venue, today)
    client.force_login(city)
    for url in (reverse("beneficiaries:workshops"), reverse("beneficiaries:workshop", args=[workshop.pk])):
        assert client.get(url).status_code == 403
    client.force_login(counsellor)
    page = text(client.get(reverse("beneficiaries:workshops")))
    assert ">Ateliers</a>" in page


@pytest.fixture
def two_workshops(venue, today, counsellor):
    workshops = [make_workshop(venue, today - DAY * n, facilitator=counsellor) for n in (0, 1)]
    for workshop in workshops:
        for name in ("Un", "Deux"):
            WorkshopRegistration.objects.create(
                workshop=workshop, beneficiary=make_person(f"{name}{workshop.pk}"), attendance=PRESENT
            )
        WorkshopRegistration.objects.create(
            workshop=workshop,
            beneficiary=make_person(f"Trois{workshop.pk}"),
            status=RegistrationStatus.WAITING,
        )
    return workshops


# Each page starts with the session, the user and the user's roles (3 queries).
PINNED = [
    # + count, page rows (theme, venue, facilitator and three counts joined), the filter's venues and themes
    ("beneficiaries:workshops", lambda w: {}, "?period=", 7),
    # + the workshop (theme, venue, facilitator), its registrations with their persons, the audit entry
    ("beneficiaries:workshop", lambda w: {"pk": w[0].pk}, "", 6),
    # + the themes, venues and counsellors of the form
    ("beneficiaries:workshop_create", lambda w: {}, "", 6),
    # + the workshop, the themes, venues and counsellors of the form
    ("beneficiaries:workshop_edit", lambda w: {"pk": w[0].pk}, "", 7),
    # the search at the door: + the workshop, the matching files, the audit entry
    ("beneficiaries:search", lambda w: {}, "?q=deux&atelier={pk}", 6),
]


@pytest.mark.parametrize(("name", "kwargs", "query", "count"), PINNED, ids=[p[0] for p in PINNED])
def test_pinned_query_counts(
    counsellor_client, two_workshops, django_assert_num_queries, name, kwargs, query, count
):
    url = reverse(name, kwargs=kwargs(two_workshops)) + query.format(pk=two_workshops[0].pk)
    with django_assert_num_queries(count):
        response = counsellor_client.get(url)
    assert response.status_code == 200


def test_the_list_and_the_page_show_places_waiting_list_and_presence(counsellor_client, two_workshops):
    found = text(counsellor_client.get(reverse("beneficiaries:workshops") + "?period="))
    assert found.count("2 / 10") == 2
    page = text(counsellor_client.get(reverse("beneficiaries:workshop", args=[two_workshops[0].pk])))
    assert "Liste d'attente, rang 1" in page and "Enregistrer les présences" in page


def test_the_register_and_the_notice_declare_the_workshops(client, coordinator):
    client.force_login(coordinator)
    register = text(client.get(reverse("beneficiaries:register")))
    assert "organiser des ateliers collectifs (inscriptions, liste d'attente, présences)" in register
    assert "inscriptions aux ateliers collectifs et présence" in register
    assert "orientations, sorties, inscriptions aux ateliers et messages y est notée" in register
    notice = text(client.get(reverse("beneficiaries:notice")))
    assert "vos inscriptions aux ateliers collectifs et votre présence" in notice


@pytest.mark.parametrize("meanwhile", [False, True], ids=["already", "created-meanwhile"])
def test_a_second_workshop_at_the_same_venue_day_and_hour_is_refused(
    counsellor_client, venue, today, monkeypatch, meanwhile
):
    """Refused by the form, or, when another request took the hour after the form
    checked it (`meanwhile`), by the database: a 400 either way, never a 500."""
    if meanwhile:
        monkeypatch.setattr(Workshop, "validate_constraints", lambda self, exclude=None: None)
    make_workshop(venue, today + DAY)
    response = counsellor_client.post(
        reverse("beneficiaries:workshop_create"), workshop_form(venue, today + DAY)
    )
    assert response.status_code == 400
    assert "Un atelier commence déjà à cette heure dans ce lieu ce jour-là." in text(response)
    assert Workshop.objects.count() == 1

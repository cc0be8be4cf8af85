"""The bilan's `workshops` section (docs/BILAN.md): exact figures on hand-made
data across the year's bounds, a council grid that workshops never change, and
what the city sees of it (aggregates, the small-count rule, no name)."""

import datetime
import html
import io
import json
import random

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.enums import AttendanceMark, RegistrationStatus, Sex, WorkshopStatus
from beneficiaries.models import WorkshopRegistration
from permanences.models import Quarter, Venue
from reporting.bilan import compute_bilan
from reporting.disclosure import SECRET, SMALL, Figures
from reporting.figures import Bilan, WorkshopFigures

from ..beneficiaries.bilan_reference import reference_bilan
from ..factories import make_permanence, make_person, make_visit, make_workshop
from .conftest import SECRET_NAMES, YEAR

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
Y = 2023
PRESENT, ABSENT, EXCUSED = AttendanceMark.PRESENT, AttendanceMark.ABSENT, AttendanceMark.EXCUSED
WAITING = RegistrationStatus.WAITING


def register(workshop, person, attendance="", status=RegistrationStatus.REGISTERED):
    return WorkshopRegistration.objects.create(
        workshop=workshop, beneficiary=person, attendance=attendance, status=status
    )


@pytest.fixture
def other_venue(db):
    quarter = Quarter.objects.create(name="La Noue", is_priority=True)
    return Venue.objects.create(name="Lieu d'accueil La Noue", quarter=quarter)


@pytest.fixture
def boundaries(venue, other_venue):
    """Workshops on 31 December Y-1, 1 January Y, 31 December Y and 1 January Y+1,
    a cancelled one in Y; persons present, absent, excused, waiting; some with
    individual appointments in Y, one only in Y-1."""
    ana, bob, chloe, dan, eva = (make_person(name) for name in ("Ana", "Bob", "Chloé", "Dan", "Eva"))
    make_visit(ana, make_permanence(venue, D(f"{Y}-03-01")))  # an appointment in Y
    make_visit(bob, make_permanence(venue, D(f"{Y - 1}-06-01")))  # in Y-1 only
    make_visit(chloe, make_permanence(other_venue, D(f"{Y}-05-02")))  # in Y, at the other venue
    eve = make_workshop(venue, D(f"{Y - 1}-12-31"))
    register(eve, ana, PRESENT)
    register(eve, bob, PRESENT)
    first = make_workshop(venue, D(f"{Y}-01-01"), capacity=3)
    register(first, ana, PRESENT)
    register(first, bob, PRESENT)
    register(first, chloe, ABSENT)
    register(first, dan, status=WAITING)
    last = make_workshop(other_venue, D(f"{Y}-12-31"), capacity=2)
    register(last, bob, PRESENT)
    register(last, dan, EXCUSED)
    register(last, eva, status=WAITING)
    cancelled = make_workshop(venue, D(f"{Y}-06-01"), status=WorkshopStatus.CANCELLED, cancel_reason="Grève")
    register(cancelled, eva)
    after = make_workshop(venue, D(f"{Y + 1}-01-01"))
    register(after, eva, PRESENT)
    make_workshop(other_venue, D(f"{Y}-07-01"))  # nobody registered
    return {"venue": venue, "other_venue": other_venue}


def test_the_workshops_of_a_year_are_counted_exactly_across_its_bounds(boundaries):
    # Y: 1 January (3 places taken, 2 present), 31 December (2 taken, 1 present) and
    # 1 July (empty); the cancelled one and the waiting lists aside. Present: Ana (an
    # appointment in Y) and Bob (twice; his appointment was in Y-1).
    assert compute_bilan(Y).workshops == WorkshopFigures(
        sessions=3, registrations=5, attendances=3, persons=2, persons_without_appointment=1
    )
    # 31 December Y-1: Ana and Bob, neither with an appointment in Y-1 but Bob.
    assert compute_bilan(Y - 1).workshops == WorkshopFigures(
        sessions=1, registrations=2, attendances=2, persons=2, persons_without_appointment=1
    )
    assert compute_bilan(Y + 1).workshops == WorkshopFigures(
        sessions=1, registrations=1, attendances=1, persons=1, persons_without_appointment=1
    )
    assert compute_bilan(Y + 2).workshops == WorkshopFigures()


def test_a_restricted_bilan_counts_the_workshops_of_its_venues(boundaries):
    venue, other = boundaries["venue"], boundaries["other_venue"]
    # The venue: 1 January only. Ana's appointment of Y was there; Bob has none.
    assert compute_bilan(Y, venue=venue).workshops == WorkshopFigures(
        sessions=1, registrations=3, attendances=2, persons=2, persons_without_appointment=1
    )
    # The other venue's quarter: 31 December and 1 July. Bob came, seen nowhere in Y.
    assert compute_bilan(Y, quarter=other.quarter).workshops == WorkshopFigures(
        sessions=2, registrations=2, attendances=1, persons=1, persons_without_appointment=1
    )


def test_workshops_change_no_figure_of_the_council_grid(venue, other_venue):
    """The bilans of every year and scope, before and after workshops are added
    (their persons among those with appointments, and others): equal but for
    `workshops`."""
    persons = [make_person(f"P{n}", sex=[Sex.FEMALE, Sex.MALE][n % 2]) for n in range(8)]
    for n, person in enumerate(persons[:5]):
        make_visit(person, make_permanence([venue, other_venue][n % 2], D(f"{Y}-0{n + 1}-1{n}")))
    scopes = [{}, {"venue": venue}, {"venue": other_venue}, {"quarter": other_venue.quarter}]
    years = (Y - 1, Y, Y + 1)

    def bilans():
        return [compute_bilan(year, **scope).as_dict() for year in years for scope in scopes]

    before = bilans()
    for n, day in enumerate((f"{Y - 1}-12-31", f"{Y}-01-01", f"{Y}-06-15", f"{Y}-12-31")):
        workshop = make_workshop([venue, other_venue][n % 2], D(day), capacity=4)
        for rank, person in enumerate(persons[n : n + 5]):
            if rank < 4:
                register(workshop, person, [PRESENT, PRESENT, ABSENT, EXCUSED][rank])
            else:
                register(workshop, person, status=WAITING)
    after = bilans()
    assert any(bilan["workshops"]["persons"] for bilan in after)
    for old, new in zip(before, after, strict=True):
        assert old["workshops"] == WorkshopFigures().__dict__
        assert {k: v for k, v in new.items() if k != "workshops"} == {
            k: v for k, v in old.items() if k != "workshops"
        }


def test_the_json_has_the_workshops_section_and_an_older_publication_reads_zeros(boundaries):
    out = io.StringIO()
    call_command("bilan", year=Y, format="json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["workshops"] == {
        "sessions": 3,
        "registrations": 5,
        "attendances": 3,
        "persons": 2,
        "persons_without_appointment": 1,
    }
    assert list(data)[-1] == "workshops"
    assert Bilan.from_dict(data) == compute_bilan(Y)
    del data["workshops"]
    assert Bilan.from_dict(data).workshops == WorkshopFigures()


def test_the_bilan_takes_eight_queries_with_workshops(boundaries, django_assert_num_queries):
    # venues, quarters, visits, permanences, outcomes, referrals, workshops
    with django_assert_num_queries(8):
        compute_bilan(Y)


# --- what the city sees ---------------------------------------------------------------------


def add_workshops(dataset, *, present: int, without: int):
    """Two workshops of YEAR: `present` persons of the dataset came (`without` of them
    persons with no appointment that year), and one registered person was absent."""
    venue = dataset["venues"][0]
    newcomers = [make_person(f"Atelier{n}", "Zoé") for n in range(without)]
    regulars = dataset["persons"][: present - without]
    first = make_workshop(venue, D(f"{YEAR}-01-01"), capacity=30)
    last = make_workshop(venue, D(f"{YEAR}-12-31"), capacity=30)
    for person in [*regulars, *newcomers]:
        register(first, person, PRESENT)
    register(last, regulars[0], PRESENT)
    register(last, dataset["persons"][-1], ABSENT)


def city_page(client, city, **params):
    client.force_login(city)
    response = client.get(reverse("reporting:dashboard"), {"year": YEAR, "chiffres": "jour", **params})
    assert response.status_code == 200
    return response


def test_the_city_sees_small_workshop_counts_as_less_than_five_and_no_name(client, city, dataset):
    add_workshops(dataset, present=3, without=2)
    response = city_page(client, city)
    report = response.context["report"]
    cards = {label: value for label, value, _ in report.workshop_cards}
    assert cards == {
        "Ateliers programmés (hors annulés)": "2",  # no count of persons: always shown
        "Inscriptions (hors liste d'attente)": "5",  # 4 present and 1 absent: no sum gives 4 back
        "Présences": SMALL,
        "Personnes venues au moins une fois": SMALL,
        "dont sans rendez-vous individuel dans l'année": SMALL,
    }
    [table] = [t for t in report.tables if t.key == "ateliers"]
    assert [row[1] for row in table.rows] == [2, 5, SMALL, SMALL, SMALL]
    page = html.unescape(response.content.decode())
    assert "Ateliers collectifs" in page and "à côté de la grille du conseil" in page
    for name in (*SECRET_NAMES, "Atelier0", "Zoé"):
        assert name not in page
    csv = client.get(reverse("reporting:export", args=["csv"]), {"year": YEAR, "chiffres": "jour"})
    text = csv.content.decode("utf-8-sig")
    assert "Ateliers collectifs (à côté de la grille du conseil)" in text
    assert "Personnes venues au moins une fois;< 5" in text
    assert "Zoé" not in text and "Atelier0" not in text


def test_the_pdf_the_xlsx_and_the_csv_carry_the_workshops_table(client, coordinator, dataset):
    add_workshops(dataset, present=3, without=2)
    client.force_login(coordinator)
    params = {"year": YEAR}
    pdf = client.get(reverse("reporting:export", args=["pdf"]), params).content
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Ateliers collectifs (à côté de la grille du conseil)" in text
    assert "Personnes venues au moins une fois 3" in text
    xlsx = client.get(reverse("reporting:export", args=["xlsx"]), params).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["Ateliers"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()][-5:] == [
        ["Ateliers programmés (hors annulés)", 2],
        ["Inscriptions (hors liste d'attente)", 5],
        ["Présences", 4],
        ["Personnes venues au moins une fois", 3],
        ["dont sans rendez-vous individuel dans l'année", 2],
    ]
    csv = client.get(reverse("reporting:export", args=["csv"]), params).content.decode("utf-8-sig")
    lines = csv.splitlines()
    start = lines.index("Ateliers collectifs (à côté de la grille du conseil)")
    header = lines.index("Indicateur;Nombre", start)
    assert lines[header + 1 : header + 6] == [
        "Ateliers programmés (hors annulés);2",
        "Inscriptions (hors liste d'attente);5",
        "Présences;4",
        "Personnes venues au moins une fois;3",
        "dont sans rendez-vous individuel dans l'année;2",
    ]


def test_the_city_sees_workshop_counts_of_five_or_more(client, city, coordinator, dataset):
    add_workshops(dataset, present=7, without=5)
    city_figures = city_page(client, city).context["report"].figures
    assert [city_figures[f"workshops.{name}"] for name in ("registrations", "attendances", "persons")] == [
        9,
        8,
        7,
    ]
    assert city_figures["workshops.persons_without_appointment"] == 5
    client.force_login(coordinator)
    full = client.get(reverse("reporting:dashboard"), {"year": YEAR}).context["report"].figures
    assert not full.hidden and full["workshops.attendances"] == 8


def test_a_withheld_bilan_hides_the_workshops_too(venue, today):
    person = make_person()
    make_visit(person, make_permanence(venue, D(f"{Y}-02-02")))
    workshop = make_workshop(venue, D(f"{Y}-02-03"))
    for other in [person, *(make_person(f"W{n}") for n in range(6))]:
        register(workshop, other, PRESENT)
    figures = Figures.shown_to(compute_bilan(Y), masked=True)
    assert figures.withheld
    assert figures["workshops.attendances"] == SECRET and figures["workshops.sessions"] == 1


def test_the_workshops_section_equals_the_definitions_counted_person_by_person(venue, other_venue):
    """Random visits and workshops over three years, with every status and
    attendance: the bilan equals the definitions counted in Python."""
    rng = random.Random(14)
    persons = [make_person(f"R{n}", sex=rng.choice(list(Sex))) for n in range(30)]
    days = [
        D(f"{year}-{month:02d}-{day:02d}")
        for year in (Y - 1, Y)
        for month, day in ((1, 1), (6, 15), (12, 31))
    ]
    for person in persons:
        for day in rng.sample(days, k=rng.randint(0, 2)):
            where = rng.choice([venue, other_venue])
            session = where.permanences.filter(date=day).first() or make_permanence(where, day)
            make_visit(person, session)
    statuses = [WorkshopStatus.PLANNED] * 4 + [WorkshopStatus.CANCELLED]
    for number, day in enumerate([*days, D(f"{Y + 1}-01-01")]):
        status = rng.choice(statuses)
        workshop = make_workshop(
            rng.choice([venue, other_venue]),
            day,
            start=f"{8 + number:02d}:00",
            end=f"{9 + number:02d}:00",
            status=status,
            cancel_reason="Annulé" if status == WorkshopStatus.CANCELLED else "",
        )
        for person in rng.sample(persons, k=rng.randint(0, 12)):
            if rng.random() < 0.2:
                register(workshop, person, status=WAITING)
            else:
                register(workshop, person, rng.choice([PRESENT, PRESENT, ABSENT, EXCUSED, ""]))
    for year in (Y - 1, Y, Y + 1):
        assert compute_bilan(year).as_dict() == reference_bilan(year), year
    assert compute_bilan(Y).workshops.persons_without_appointment > 0

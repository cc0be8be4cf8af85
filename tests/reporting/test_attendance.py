"""The attendance rows the bilan reads stay equal to the visits, whatever writes them.

`reporting.Attendance` is written by database triggers only. After every kind
of write the app (or an admin with plain SQL) makes, its rows must be exactly
what the visits say, recomputed here in Python from the visits themselves.
And on random data, the bilan must give the figures the definitions give,
counted here in Python person by person.
"""

import datetime
import random
import uuid
from collections import defaultdict

import pytest
from django.db import connection
from django.urls import reverse

from beneficiaries.ages import age_band
from beneficiaries.data_services import beneficiary_merge
from beneficiaries.db import insert_rows
from beneficiaries.enums import AnonymisationReason, Sex
from beneficiaries.models import Beneficiary, Visit
from beneficiaries.services import beneficiary_anonymise
from permanences.models import Permanence, Quarter, Venue
from reporting.bilan import compute_bilan
from reporting.models import Attendance

from ..beneficiaries.corrections import make_file, url, valid_form
from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def expected_rows() -> set[tuple]:
    """The attendance rows, from the visits (one per person, year and venue, and per person and year)."""
    groups: dict[tuple, list[Visit]] = defaultdict(list)
    for visit in Visit.objects.select_related("permanence", "beneficiary"):
        for venue in (visit.permanence.venue_id, None):
            groups[visit.beneficiary_id, visit.date.year, venue].append(visit)
    first_years: dict[int, int] = {}
    for person, year, _ in groups:
        first_years[person] = min(year, first_years.get(person, year))
    rows = set()
    for (person, year, venue), visits in groups.items():
        who = visits[0].beneficiary
        months = 0
        for visit in visits:
            months |= 1 << visit.date.month
        rows.add(
            (
                person,
                year,
                venue,
                len(visits),
                min(visit.date for visit in visits),
                months,
                first_years[person] == year,
                who.sex,
                who.quarter_id,
                who.birth_date,
                str(age_band(who.birth_date, min(visit.date for visit in visits))),
            )
        )
    return rows


def actual_rows() -> set[tuple]:
    return set(
        Attendance.objects.values_list(
            "beneficiary",
            "year",
            "venue",
            "visits",
            "first_visit",
            "months",
            "first_year",
            "sex",
            "quarter",
            "birth_date",
            "age_band",
        )
    )


def assert_in_step():
    assert actual_rows() == expected_rows()


@pytest.fixture
def place(venue):
    other = Venue.objects.create(name="Maison de quartier Lounès Matoub", quarter=venue.quarter)
    sessions = {
        (where.pk, day): make_permanence(where, D(day))
        for where in (venue, other)
        for day in ("2022-12-20", "2023-01-10", "2023-03-14", "2023-03-21")
    }
    return {"venues": (venue, other), "sessions": sessions}


def test_visits_created_moved_and_deleted_one_by_one(place):
    venue, other = place["venues"]
    sessions = place["sessions"]
    anna, bob = make_person("Annaud", sex=Sex.FEMALE), make_person("Bobet", sex=Sex.MALE)
    first = make_visit(anna, sessions[venue.pk, "2022-12-20"])
    make_visit(anna, sessions[other.pk, "2023-03-14"])
    make_visit(bob, sessions[venue.pk, "2023-01-10"])
    assert_in_step()
    assert Attendance.objects.filter(beneficiary=anna).count() == 4  # 2 years x (venue + all)

    # Another session (date and venue), then another person.
    first.permanence = sessions[other.pk, "2023-03-21"]
    first.date = first.permanence.date
    first.save()
    assert_in_step()
    first.beneficiary = bob
    first.save()
    assert_in_step()
    first.delete()
    assert_in_step()
    Visit.objects.filter(beneficiary=anna).delete()
    assert_in_step()
    assert not Attendance.objects.filter(beneficiary=anna).exists()


def test_many_visits_in_one_statement_and_through_plain_sql(place):
    venue, _ = place["venues"]
    sessions = place["sessions"]
    persons = [make_person(f"Personne{i}", sex=Sex.FEMALE if i % 2 else Sex.MALE) for i in range(5)]
    Visit.objects.bulk_create(
        Visit(beneficiary=person, permanence=session, date=session.date)
        for person in persons
        for key, session in sessions.items()
        if (key[0] == venue.pk) == (person.pk % 2 == 0)
    )
    assert_in_step()
    newcomer = make_person("Nouvelle", sex=Sex.NOT_STATED)
    Visit.objects.filter(beneficiary=persons[0]).update(beneficiary=newcomer)
    assert_in_step()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM beneficiaries_visit WHERE date < %s", [D("2023-01-01")])
    assert_in_step()


def test_visits_written_by_the_imports_copy(place):
    venue, other = place["venues"]
    sessions = place["sessions"]
    anna, bob = make_person("Annaud"), make_person("Bobet", sex=Sex.MALE)
    make_visit(anna, sessions[venue.pk, "2023-01-10"])
    insert_rows(
        Visit,
        [
            Visit(beneficiary=anna, permanence=sessions[other.pk, "2023-03-14"]),
            Visit(beneficiary=bob, permanence=sessions[venue.pk, "2022-12-20"]),
        ],
    )
    assert Visit.objects.count() == 3
    assert_in_step()


def admin_form_data(response) -> dict:
    """What the admin change page would post back unchanged: its form and its inlines."""
    data = {}
    for form in [response.context["adminform"].form] + [
        inline_form
        for formset in response.context["inline_admin_formsets"]
        for inline_form in formset.formset
    ]:
        for field in form:
            value = field.value()
            if value is not None and value is not False:
                data[field.html_name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {field.html_name: field.value() for field in management}
    return data


def test_visits_recorded_through_the_form_corrected_from_the_file_and_changed_in_the_admin(
    client, counsellor, admin_user, venue, today
):
    person = make_person("Cordier")
    client.force_login(counsellor)
    session = make_permanence(venue, today)
    response = client.post(
        reverse("beneficiaries:visit_create", args=[person.pk, session.pk]),
        {
            "token": str(uuid.uuid4()),
            "notes": "",
            "orientations-TOTAL_FORMS": "0",
            "orientations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302 and Visit.objects.filter(beneficiary=person).exists()
    assert_in_step()

    # Corrected from the file: moved to a session of another venue, another day.
    file = make_file(venue, today, counsellor)
    other = Venue.objects.create(name="Centre social Espéranto", quarter=venue.quarter)
    earlier = make_permanence(other, file.visit.date - datetime.timedelta(days=1))
    response = client.post(url(file, "visit_edit"), valid_form(file, "visit_edit", permanence=earlier.pk))
    assert response.status_code == 302 and Visit.objects.get(pk=file.visit.pk).permanence == earlier
    assert_in_step()

    # Changed in the admin: given to another person.
    client.force_login(admin_user)
    change = reverse("admin:beneficiaries_visit_change", args=[file.visit.pk])
    data = admin_form_data(client.get(change)) | {"beneficiary": person.pk}
    assert client.post(change, data).status_code == 302
    assert Visit.objects.get(pk=file.visit.pk).beneficiary == person
    assert_in_step()


def test_a_truncate_of_the_visits_empties_the_table(place):
    venue, other = place["venues"]
    make_visit(make_person("Annaud"), place["sessions"][venue.pk, "2023-01-10"])
    make_visit(make_person("Bobet"), place["sessions"][other.pk, "2023-03-14"])
    assert Attendance.objects.count() == 4
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending check: TRUNCATE may run
        cursor.execute("TRUNCATE beneficiaries_visit CASCADE")
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("last", ["person", "session"])
def test_a_person_or_session_inserted_after_its_visit_gets_its_rows(venue, last):
    """Plain SQL: the visit first (foreign keys are checked at the end of the
    transaction), then its person and its session, in either order."""
    template = make_visit(make_person("Modèle"), make_permanence(venue, D("2023-02-07")))
    person_id, session_id = template.beneficiary_id + 1000, template.permanence_id + 1000
    # A copy of the template visit, for a person and a session that do not exist yet.
    columns = [field.column for field in Visit._meta.concrete_fields if field.column != "id"]
    changed = {"beneficiary_id": person_id, "permanence_id": session_id, "date": D("2023-05-09")}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO beneficiaries_visit ({', '.join(columns)}) "
            f"SELECT {', '.join('%s' if c in changed else c for c in columns)} "
            "FROM beneficiaries_visit WHERE id = %s",
            [*(changed[c] for c in columns if c in changed), template.pk],
        )
    assert not Attendance.objects.filter(beneficiary=person_id).exists()  # nobody to count yet
    inserts = {
        "person": lambda: make_person("Tardif", pk=person_id, birth_date=D("1990-01-01")),
        "session": lambda: Permanence.objects.create(
            pk=session_id,
            venue=venue,
            date=D("2023-05-09"),
            start_time=datetime.time(9, 30),
            end_time=datetime.time(12, 30),
        ),
    }
    for kind in sorted(inserts, key=lambda kind: kind == last):
        inserts[kind]()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys hold
    assert Attendance.objects.filter(beneficiary=person_id).count() == 2  # the venue and all venues
    assert_in_step()


def test_a_change_of_sex_quarter_or_birth_date_reaches_the_rows(place):
    venue, _ = place["venues"]
    person = make_person("Changeant", sex=Sex.NOT_STATED)
    make_visit(person, place["sessions"][venue.pk, "2023-01-10"])
    person.sex, person.birth_date = Sex.FEMALE, D("1990-05-06")
    person.quarter = Quarter.objects.create(name="La Noue")
    person.save()
    assert_in_step()
    Beneficiary.objects.filter(pk=person.pk).update(quarter=None, birth_date=None)
    assert_in_step()


def attendance_seq_scans() -> int:
    """Sequential scans of the attendance table in this transaction, as PostgreSQL counts them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'reporting_attendance'")
        return cursor.fetchone()[0]


def test_writing_a_visit_or_a_person_rewrites_their_rows_through_an_index(place):
    """Never by reading the whole table: with a million visits, that cost 0.2 s to each visit
    logged (docs/BENCHMARKS.md, "Sous charge")."""
    venue, _ = place["venues"]
    person = make_person("Indexée", sex=Sex.FEMALE)
    with connection.cursor() as cursor:
        # Sequential scans priced out: PostgreSQL still makes one where no index serves. The
        # plans the triggers' function cached in this connection (on tiny tables) are dropped.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("DISCARD PLANS")
    before = attendance_seq_scans()
    visit = make_visit(person, place["sessions"][venue.pk, "2023-01-10"])
    person.sex = Sex.MALE
    person.save()
    visit.delete()
    assert attendance_seq_scans() == before
    assert_in_step()


@pytest.mark.parametrize(
    ("birth_date", "day", "band"),
    [
        ("1996-02-29", "2022-02-28", "moins_de_26"),  # 26 on 1 March of a common year
        ("1996-02-29", "2022-03-01", "26_49"),
        ("1973-06-15", "2023-06-14", "26_49"),
        ("1973-06-15", "2023-06-15", "50_et_plus"),  # 50 on the birthday
        ("2000-01-01", "2023-12-31", "moins_de_26"),
        (None, "2023-12-31", "inconnu"),
    ],
)
def test_the_age_band_on_the_first_visit_is_the_one_of_the_definitions(venue, birth_date, day, band):
    person = make_person("Anniversaire", birth_date=D(birth_date) if birth_date else None)
    make_visit(person, make_permanence(venue, D(day)))
    row = Attendance.objects.get(beneficiary=person, venue=None)
    assert row.age_band == band == str(age_band(person.birth_date, D(day)))
    assert compute_bilan(D(day).year).age_bands[band] == 1
    assert compute_bilan(D(day).year, venue=venue).age_bands[band] == 1
    assert compute_bilan(D(day).year, quarter=venue.quarter).age_bands[band] == 1
    # A corrected birth date moves the person to the band of the new date.
    Beneficiary.objects.filter(pk=person.pk).update(birth_date=D("1950-01-01"))
    assert Attendance.objects.get(beneficiary=person, venue=None).age_band == "50_et_plus"
    assert_in_step()


def test_a_session_moved_to_another_day_or_venue_takes_its_visits(place):
    venue, other = place["venues"]
    session = place["sessions"][venue.pk, "2022-12-20"]
    person = make_person("Déplacé")
    visit = make_visit(person, session)
    session.date, session.venue = D("2023-02-07"), other
    session.save()
    visit.refresh_from_db()
    assert visit.date == D("2023-02-07")
    assert_in_step()
    assert compute_bilan(2023).persons == 1 and compute_bilan(2022).persons == 0


def test_merge_anonymisation_and_deletion_keep_the_rows_in_step(place, coordinator):
    venue, other = place["venues"]
    sessions = place["sessions"]
    kept = make_person("Doublon", "Lina", birth_date=D("1999-04-05"))
    removed = make_person("Doublon", "Lina", birth_date=D("1999-04-05"))
    make_visit(kept, sessions[venue.pk, "2023-01-10"])
    make_visit(removed, sessions[venue.pk, "2023-01-10"])  # the same session: becomes one visit
    make_visit(removed, sessions[other.pk, "2022-12-20"])
    beneficiary_merge(kept=kept, removed=removed, user=coordinator)
    assert_in_step()
    assert Attendance.objects.get(beneficiary=kept, year=2023, venue=None).visits == 1
    assert Attendance.objects.get(beneficiary=kept, year=2023, venue=None).first_year is False

    beneficiary_anonymise(
        beneficiary=Beneficiary.objects.get(pk=kept.pk),
        reason=AnonymisationReason.ERASURE_REQUEST,
        user=coordinator,
    )
    assert_in_step()
    Visit.objects.filter(beneficiary=kept).delete()  # (visits protect their person)
    Beneficiary.objects.get(pk=kept.pk).delete()
    assert_in_step()
    assert not Attendance.objects.exists()


# --- the bilan on random data, against the definitions counted in Python ---------


def reference_figures(year: int, venues: set[int]) -> dict:
    """The visit figures of DESIGN.md, person by person, for the visits at `venues`."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    visits = [
        visit
        for visit in Visit.objects.select_related("permanence", "beneficiary")
        if start <= visit.date < end and visit.permanence.venue_id in venues
    ]
    seen_before = set(Visit.objects.filter(date__lt=start).values_list("beneficiary", flat=True))
    persons = {visit.beneficiary_id: visit.beneficiary for visit in visits}
    first = {pk: min(v.date for v in visits if v.beneficiary_id == pk) for pk in persons}
    bands = defaultdict(int)
    for pk, person in persons.items():
        bands[str(age_band(person.birth_date, first[pk]))] += 1
    by_venue = {
        venue: len({v.beneficiary_id for v in visits if v.permanence.venue_id == venue}) for venue in venues
    }
    return {
        "persons": len(persons),
        "appointments": len(visits),
        "women": sum(1 for person in persons.values() if person.sex == Sex.FEMALE),
        "men": sum(1 for person in persons.values() if person.sex == Sex.MALE),
        "new": sum(1 for pk in persons if pk not in seen_before),
        "ages": {band: count for band, count in bands.items() if count},
        "by_venue": by_venue,
        "by_month": [len({v.beneficiary_id for v in visits if v.date.month == m}) for m in range(1, 13)],
        "by_quarter": {
            quarter: len([p for p in persons.values() if p.quarter_id == quarter])
            for quarter in {p.quarter_id for p in persons.values()}
        },
    }


def bilan_figures(bilan, venues: set[int]) -> dict:
    return {
        "persons": bilan.persons,
        "appointments": bilan.appointments,
        "women": bilan.women,
        "men": bilan.men,
        "new": bilan.new_persons,
        "ages": {band: count for band, count in bilan.age_bands.items() if count},
        "by_venue": {row.venue_id: row.persons for row in bilan.by_venue if row.venue_id in venues},
        "by_month": [row.persons for row in bilan.by_month],
        "by_quarter": {row.quarter_id: row.persons for row in bilan.by_quarter if row.persons},
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bilan_on_random_data_gives_what_the_definitions_give(seed, quarter):
    rng = random.Random(seed)
    quarters = [quarter, Quarter.objects.create(name="La Noue", is_priority=True)]
    venues = [Venue.objects.create(name=f"Lieu {i}", quarter=quarters[i % 2]) for i in range(3)]
    days = [D("2022-11-15") + datetime.timedelta(days=rng.randrange(420)) for _ in range(25)]
    sessions = [
        make_permanence(rng.choice(venues), day, start=f"{9 + i % 8:02d}:00", end="18:00")
        for i, day in enumerate(days)
    ]
    persons = [
        make_person(
            f"Aléatoire{i}",
            sex=rng.choice(list(Sex)),
            quarter=rng.choice([*quarters, None]),
            birth_date=rng.choice([None, D("1960-01-01") + datetime.timedelta(days=rng.randrange(17000))]),
        )
        for i in range(40)
    ]
    for person in persons:
        for session in rng.sample(sessions, rng.randrange(1, 5)):
            make_visit(person, session)
    # A few sessions moved afterwards, with their visits.
    for session in rng.sample(sessions, 3):
        session.date = session.date - datetime.timedelta(days=rng.randrange(1, 60))
        session.venue = rng.choice(venues)
        session.save()
    assert_in_step()

    for year in (2022, 2023):
        everywhere = {venue.pk for venue in venues}
        assert bilan_figures(compute_bilan(year), everywhere) == reference_figures(year, everywhere)
        one = venues[0]
        assert bilan_figures(compute_bilan(year, venue=one), {one.pk}) == reference_figures(year, {one.pk})
        in_quarter = {venue.pk for venue in venues if venue.quarter_id == quarters[0].pk}
        assert bilan_figures(compute_bilan(year, quarter=quarters[0]), in_quarter) == reference_figures(
            year, in_quarter
        )

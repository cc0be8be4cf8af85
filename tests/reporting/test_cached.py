"""The figures kept in the shared cache are never stale (reporting/cached.py,
migration reporting/0007_data_version).

These tests commit (transactional_db), as the app servers do: a transaction
with uncommitted writes of its own never reads the cache (the other tests of
the suite run in one such transaction, hence always compute).
"""

import datetime
import importlib
import io
import json
import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaries.data_services import beneficiary_merge
from beneficiaries.db import insert_rows
from beneficiaries.enums import AnonymisationReason, OutcomeKind, Sex
from beneficiaries.models import Beneficiary, Outcome, Visit
from beneficiaries.services import beneficiary_anonymise, visit_record
from reporting.bilan import FIRST_YEAR, cache_name, cached_bilans, compute_bilan
from reporting.cached import CACHE, NO_CACHE, data_version
from reporting.quality import data_quality
from reporting.services import bilan_publish

from ..factories import make_permanence, make_person, make_visit, make_workshop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

YEAR = 2023
D = datetime.date.fromisoformat
DASHBOARD = reverse("reporting:dashboard")
QUALITY = reverse("reporting:quality")
CSV = reverse("reporting:export", args=["csv"])


@pytest.fixture
def data(venue):
    """A year of activity: three persons seen, one outcome, a session without visits."""
    sessions = [make_permanence(venue, D(f"{YEAR}-{month:02}-10")) for month in (2, 5)]
    persons = [
        make_person("Arnaud", "Lise", sex=Sex.FEMALE),
        make_person("Bertin", "Marc", sex=Sex.MALE),
        make_person("Carel", "Noé", sex=Sex.NOT_STATED),
    ]
    for person in persons:
        make_visit(person, sessions[0])
    outcome = Outcome.objects.create(
        beneficiary=persons[0], kind=OutcomeKind.CDI, start_date=D(f"{YEAR}-06-01")
    )
    empty = make_permanence(venue, D(f"{YEAR}-09-10"))
    return {"sessions": sessions, "persons": persons, "outcome": outcome, "empty": empty}


@pytest.fixture
def coord(client, coordinator):
    client.force_login(coordinator)
    return client


def shown(coord) -> dict:
    """The live figures of the year as the dashboard shows them."""
    return coord.get(DASHBOARD, {"year": YEAR}).context["report"].live.as_dict()


def fresh() -> dict:
    return compute_bilan(YEAR).as_dict()


def cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_cache")
        return cursor.fetchone()[0]


# --- Each way of writing: (name, write, the figure it changes or None) ----------


def by_form(data, users):
    client = Client()
    client.force_login(users["counsellor"])
    response = client.post(
        reverse("beneficiaries:outcome_create", args=[data["persons"][1].pk]),
        {
            "token": str(uuid.uuid4()),
            "kind": "cdi",
            "start_date": f"02/03/{YEAR}",
            "end_date": "",
            "working_time": "temps_plein",
            "employer": "Crèche associative",
        },
    )
    assert response.status_code == 302


def by_service(data, users):
    visit_record(
        beneficiary=make_person("Dumas", "Inès"),
        permanence=data["sessions"][1],
        counsellor=users["counsellor"],
        topics=[],
    )


def by_update(data, users):
    Beneficiary.objects.filter(pk=data["persons"][2].pk).update(sex=Sex.FEMALE)


def by_bulk_create(data, users):
    Outcome.objects.bulk_create(
        [Outcome(beneficiary=data["persons"][2], kind=OutcomeKind.FORMATION, start_date=D(f"{YEAR}-07-01"))]
    )


def by_copy(data, users):
    insert_rows(Visit, [Visit(beneficiary=make_person("Espinasse", "Jo"), permanence=data["sessions"][1])])


def by_merge(data, users):
    first, second = (Beneficiary.objects.get(pk=person.pk) for person in data["persons"][1:])
    beneficiary_merge(kept=first, removed=second, user=users["coordinator"])


def by_anonymisation(data, users):
    person = Beneficiary.objects.get(pk=data["persons"][1].pk)
    beneficiary_anonymise(
        beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST, user=users["coordinator"]
    )


def by_admin(data, users):
    client = Client()
    client.force_login(users["admin_user"])
    url = reverse("admin:beneficiaries_outcome_delete", args=[data["outcome"].pk])
    assert client.post(url, {"post": "yes"}).status_code == 302


def by_sql_on_another_connection(data, users):
    """Another app server: its own connection, plain SQL, committed."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE permanences_permanence SET status = 'cancelled', cancel_reason = 'Fermé' "
                "WHERE id = %s",
                [data["empty"].pk],
            )
    finally:
        other.close()


WRITES = [
    (by_form, "persons_with_outcome"),
    (by_service, "persons"),
    (by_update, "women"),
    (by_bulk_create, "persons_with_outcome"),
    (by_copy, "persons"),
    (by_merge, "persons"),
    (by_anonymisation, None),  # the bilan keeps what it counts: same figures, new version
    (by_admin, "persons_with_outcome"),
    (by_sql_on_another_connection, "permanences_held"),
]


@pytest.mark.parametrize(("write", "figure"), WRITES, ids=[write.__name__ for write, _ in WRITES])
def test_the_dashboard_shows_each_write_at_once(request, coord, data, write, figure):
    before = shown(coord)
    assert shown(coord) == before == fresh()  # the second from the cache
    version = data_version().number
    users = {name: request.getfixturevalue(name) for name in ("counsellor", "coordinator", "admin_user")}
    write(data, users)
    assert data_version().number > version
    after = shown(coord)
    assert after == fresh()
    if figure is not None:
        assert after[figure] != before[figure]


def test_the_quality_panel_shows_a_write_at_once(coord, data):
    def counts():
        panel = coord.get(QUALITY, {"year": YEAR}).context["panel"]
        return [(line.check, line.count, line.persons) for line in panel.lines]

    before = counts()
    assert counts() == before
    Beneficiary.objects.filter(pk=data["persons"][0].pk).update(sex=Sex.NOT_STATED)
    assert counts() != before


def test_warm_pages_take_fewer_queries(coord, city, data, django_assert_num_queries):
    # Cold: the counts of tests/reporting/test_dashboard.py and test_quality.py,
    # plus the cache's read (one query) and writes (a count and an insert each,
    # in a savepoint).
    with django_assert_num_queries(36):
        assert coord.get(DASHBOARD, {"year": YEAR}).status_code == 200
    # Warm: the data version and the cache instead of two bilans of eight queries.
    with django_assert_num_queries(10):
        assert coord.get(DASHBOARD, {"year": YEAR}).status_code == 200
    with django_assert_num_queries(27):
        assert coord.get(QUALITY, {"year": YEAR}).status_code == 200
    with django_assert_num_queries(10):
        assert coord.get(QUALITY, {"year": YEAR}).status_code == 200
    coord.force_login(city)
    with django_assert_num_queries(7):
        assert coord.get(CSV, {"year": YEAR}).status_code == 200


def test_a_read_leaves_the_version_alone(coord, counsellor, data):
    version = data_version()
    assert version.number is not None and version.settled
    for url in (DASHBOARD, QUALITY, CSV, reverse("reporting:publish")):
        assert coord.get(url, {"year": YEAR}).status_code == 200
    client = Client()
    client.force_login(counsellor)
    person = data["persons"][0]
    for url in (reverse("beneficiaries:detail", args=[person.pk]), reverse("beneficiaries:list")):
        assert client.get(url).status_code == 200
    assert data_version() == version


def test_own_uncommitted_writes_bypass_the_cache(data):
    cached_bilans([YEAR])
    with transaction.atomic():
        make_visit(make_person("Fabre", "Ugo"), data["sessions"][1])
        assert data_version().number is None
        assert cached_bilans([YEAR])[0].persons == 4  # computed, not the cached 3
        rows = cache_rows()
        transaction.set_rollback(True)
    assert cache_rows() == rows
    assert cached_bilans([YEAR])[0].persons == 3


def test_nothing_is_stored_while_another_commit_is_in_flight(data):
    """Another session between its version's advance and its commit: what is
    computed now may lack its writes, and is not stored."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(16, 7)")
        assert not data_version().settled
        rows = cache_rows()
        assert cached_bilans([YEAR])[0].as_dict() == fresh()
        assert cache_rows() == rows
        other.rollback()
        assert data_version().settled
        cached_bilans([YEAR])
        assert cache_rows() == rows + 1
    finally:
        other.close()


def test_cached_figures_read_as_computed_ones_and_publishing_computes(coordinator, data):
    computed = json.dumps(fresh(), ensure_ascii=False, indent=2)
    cold = cached_bilans([YEAR])[0]
    warm = cached_bilans([YEAR])[0]
    assert json.dumps(cold.as_dict(), ensure_ascii=False, indent=2) == computed
    assert json.dumps(warm.as_dict(), ensure_ascii=False, indent=2) == computed
    assert cold == warm == compute_bilan(YEAR)
    # A stored value that differs (as a bug would leave) never reaches a publication.
    version = data_version()
    caches[CACHE].set(version.key(cache_name(YEAR)), {**fresh(), "persons": 999})
    assert cached_bilans([YEAR])[0].persons == 999
    assert bilan_publish(year=YEAR, user=coordinator).figures == fresh()


def test_the_bilan_command_computes_without_the_cache(data):
    cached_bilans([YEAR])  # stored
    # A stored value that differs (as a bug would leave) never reaches the command.
    caches[CACHE].set(data_version().key(cache_name(YEAR)), {**fresh(), "persons": 999})
    assert cached_bilans([YEAR])[0].persons == 999
    out = io.StringIO()
    call_command("bilan", "--year", str(YEAR), "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == fresh()


def test_the_panel_counts_are_cached_under_today(data):
    today = datetime.date(YEAR + 1, 1, 15)
    first = data_quality(YEAR, today=today)
    rows = cache_rows()
    assert data_quality(YEAR, today=today) == first
    assert cache_rows() == rows
    data_quality(YEAR, today=today + datetime.timedelta(days=1))
    assert cache_rows() == rows + 2  # the year's counts, the idle files


def test_a_write_of_a_later_year_leaves_earlier_years_cached(data, venue, counsellor):
    data = {**data, "counsellor": counsellor}
    # Seen in YEAR: the visit below rewrites their attendance rows of YEAR too
    # (migration 0003), which are no write of their own.
    person, session = data["persons"][0], make_permanence(venue, D(f"{YEAR + 1}-03-10"))
    before, this_year = data_version(YEAR).number, data_version().number
    visit_record(beneficiary=person, permanence=session, counsellor=data["counsellor"], topics=[])
    Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDI, start_date=D(f"{YEAR + 1}-04-01"))
    assert data_version(YEAR).number == before  # the bilan of YEAR still read from the cache
    assert data_version().number > this_year
    # A write of an earlier year, or of a person, changes the later years' version.
    later = data_version(YEAR + 1).number
    make_visit(make_person("Huet", "Léa"), make_permanence(venue, D(f"{YEAR - 3}-03-10")))
    assert data_version(YEAR + 1).number > later
    later = data_version(YEAR + 1).number
    Beneficiary.objects.filter(pk=data["persons"][0].pk).update(quarter=None, sex=Sex.MALE)
    assert data_version(YEAR - 5).number > before
    assert data_version(YEAR + 1).number > later


def test_the_commits_table_keeps_a_few_rows_per_year(data, venue):
    for index in range(20):
        make_person(f"Personne{index}", "Test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT from_year, count(*) FROM reporting_data_commit GROUP BY from_year")
        assert all(count == 1 for _, count in cursor.fetchall())


def test_this_years_follow_ups_follow_the_clock(monkeypatch, venue):
    """An appointment is missed once its session has ended: cached figures of a
    year not over yet never keep it "booked"."""
    from beneficiaries.models import Appointment
    from beneficiaries.models import appointments as module

    now = timezone.localtime()
    session = make_permanence(venue, now.date(), start="00:00", end="23:59")
    Appointment.objects.create(beneficiary=make_person(), permanence=session, time=datetime.time(0, 0))
    before = cached_bilans([now.year])[0].follow_ups
    assert cached_bilans([now.year])[0].follow_ups == before  # warm
    tomorrow = (now.date() + datetime.timedelta(days=1), datetime.time(0, 0))
    monkeypatch.setattr(module, "_now", lambda: tomorrow)
    after = cached_bilans([now.year])[0].follow_ups
    assert (before.missed, after.missed) == (0, 1)
    assert after == compute_bilan(now.year).follow_ups


def test_a_bilan_cached_on_the_last_day_counts_its_follow_ups_missed_the_day_after(monkeypatch, coord, venue):
    """Cached on 31 December during a session, the year's figures still count its
    follow-up booked; on 1 January (no write since), the dashboard shows it missed."""
    from beneficiaries.models import Appointment

    session = make_permanence(venue, D(f"{YEAR}-12-31"), start="09:00", end="12:00")
    Appointment.objects.create(beneficiary=make_person(), permanence=session, time=datetime.time(9, 30))

    def follow_ups_at(moment: str):
        at = datetime.datetime.fromisoformat(moment).replace(tzinfo=timezone.get_current_timezone())
        monkeypatch.setattr(timezone, "now", lambda: at)
        return coord.get(DASHBOARD, {"year": YEAR}).context["report"].live.follow_ups

    during = follow_ups_at(f"{YEAR}-12-31 10:00")
    assert (during.booked, during.missed) == (1, 0)
    assert cache_rows() > 0  # stored: nothing was committing
    after = follow_ups_at(f"{YEAR + 1}-01-01 09:00")
    assert (after.booked, after.honoured, after.missed) == (1, 0, 1)
    assert follow_ups_at(f"{YEAR + 1}-01-01 09:05") == after  # warm, from the cache


def test_a_truncate_changes_every_years_version(data):
    before = data_version(FIRST_YEAR).number
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE beneficiaries_visit_topics")
    assert data_version(FIRST_YEAR).number > before


def test_nothing_is_cached_on_sqlite(monkeypatch, data):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert data_version() == NO_CACHE
    rows = cache_rows()
    assert cached_bilans([YEAR])[0].as_dict() == fresh()
    assert cache_rows() == rows


def test_a_direct_write_of_the_attendance_table_changes_every_years_version(data):
    before = data_version(FIRST_YEAR).number
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reporting_attendance SET visits = visits + 1 WHERE year = %s", [YEAR])
    assert data_version(FIRST_YEAR).number > before


DATA_VERSION_MIGRATION = importlib.import_module("reporting.migrations.0007_data_version")


@pytest.mark.parametrize("table", [table for table, _, _ in DATA_VERSION_MIGRATION.TABLES])
def test_a_write_to_any_table_the_figures_read_advances_the_version(data, venue, table):
    """Every table of the migration's list: one row written, a new version."""
    from beneficiaries.models import Appointment, Referral, Topic, WorkshopRegistration

    person, visit = data["persons"][0], data["persons"][0].visits.get()
    visit.topics.add(Topic.objects.first())
    Referral.objects.create(beneficiary=person, visit=visit, partner="plie", proposed_on=visit.date)
    Appointment.objects.create(beneficiary=person, permanence=data["sessions"][1], time=datetime.time(10))
    WorkshopRegistration.objects.create(workshop=make_workshop(venue, D(f"{YEAR}-04-04")), beneficiary=person)
    before = data_version().number
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id WHERE id = (SELECT min(id) FROM {table})")
        assert cursor.rowcount == 1
    assert data_version().number > before

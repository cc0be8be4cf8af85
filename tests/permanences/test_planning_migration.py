"""An existing database gets the planning's columns: sessions planned before
keep their slot day, and those changed by hand before are left alone since."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from permanences.models import Permanence
from permanences.services import permanences_generate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("permanences", "0007_public_info_register")]
T = datetime.time.fromisoformat


def migrate(targets):
    MigrationExecutor(connection).migrate(targets)


@pytest.fixture
def old_apps(reference_data):
    migrate(BEFORE)
    yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_sessions_planned_before_keep_their_slot_day_and_hand_changes_are_recognised(old_apps):
    User = old_apps.get_model("auth", "User")
    Quarter = old_apps.get_model("permanences", "Quarter")
    Venue = old_apps.get_model("permanences", "Venue")
    Slot = old_apps.get_model("permanences", "WeeklySlot")
    Session = old_apps.get_model("permanences", "Permanence")
    alice, bob = User.objects.create(username="alice"), User.objects.create(username="bob")
    venue = Venue.objects.create(
        name="Centre social Grand Air", quarter=Quarter.objects.create(name="Bel Air")
    )
    today = datetime.date.today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    slot = Slot.objects.create(
        venue=venue,
        weekday=0,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=datetime.date(2015, 1, 1),
    )
    slot.counsellors.add(alice)

    def session(day, start="09:30", end="12:30", status="planned", users=(alice,)):
        made = Session.objects.create(
            venue=venue, date=day, start_time=T(start), end_time=T(end), status=status, slot=slot
        )
        made.counsellors.set(users)
        return made.pk

    week = datetime.timedelta(weeks=1)
    untouched = session(monday)
    other_hours = session(monday + week, "14:00", "16:00")
    other_counsellors = session(monday + 2 * week, users=(alice, bob))
    moved_day = session(monday + 3 * week + datetime.timedelta(days=1))
    held = session(monday - 4 * week, status="held", users=(bob,))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = {p.pk: p for p in Permanence.objects.all()}
    assert {pk: p.slot_date for pk, p in rows.items()} == {
        pk: monday + 3 * week if pk == moved_day else p.date for pk, p in rows.items()
    }
    assert sorted(pk for pk, p in rows.items() if p.changed_by_hand_at) == sorted(
        [other_hours, other_counsellors, moved_day]
    )
    # The planning then leaves the sessions changed by hand as they are.
    permanences_generate(start=today, end=monday + 5 * week)
    assert Permanence.objects.get(pk=other_hours).start_time == T("14:00")
    assert set(
        Permanence.objects.get(pk=other_counsellors).counsellors.values_list("username", flat=True)
    ) == {
        "alice",
        "bob",
    }
    assert Permanence.objects.filter(pk__in=[untouched, held]).count() == 2
    # The moved one stands for its Monday, which is not planned again.
    assert not Permanence.objects.filter(date=monday + 3 * week).exists()
    assert Permanence.objects.filter(date=monday + 4 * week, slot_date=monday + 4 * week).exists()

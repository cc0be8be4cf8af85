"""permanences_plan: the sessions of a period, from the weekly slots, once."""

import datetime

import pytest

from permanences.enums import PermanenceStatus, Weekday
from permanences.models import Permanence, Venue, WeeklySlot
from permanences.services import permanences_plan

from ..factories import make_permanence

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))  # Sunday 1 to Tuesday 31


def slot(venue, weekday, **extra):
    return WeeklySlot.objects.create(
        venue=venue,
        weekday=weekday,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=extra.pop("valid_from", datetime.date(2015, 1, 1)),
        **extra,
    )


def test_it_plans_each_slot_on_its_days_within_its_validity(venue, quarter, counsellor):
    slot(venue, Weekday.MONDAY).counsellors.add(counsellor)
    slot(venue, Weekday.TUESDAY, valid_until=datetime.date(2026, 3, 10))
    slot(venue, Weekday.FRIDAY, valid_from=datetime.date(2026, 3, 20))
    closed = Venue.objects.create(name="Fermé", quarter=quarter, is_active=False)
    slot(closed, Weekday.MONDAY)

    assert permanences_plan(start=MARCH[0], end=MARCH[1]) == 5 + 2 + 2
    dates = sorted(Permanence.objects.values_list("date", flat=True))
    assert [d.day for d in dates] == [2, 3, 9, 10, 16, 20, 23, 27, 30]
    assert not Permanence.objects.filter(venue=closed).exists()
    assert set(Permanence.objects.filter(date__day=2).values_list("counsellors__username", flat=True)) == {
        "alice"
    }
    assert set(Permanence.objects.values_list("status", flat=True)) == {PermanenceStatus.PLANNED}


def test_it_is_idempotent_and_leaves_existing_sessions_alone(venue):
    slot(venue, Weekday.MONDAY)
    cancelled = make_permanence(venue, datetime.date(2026, 3, 9), status=PermanenceStatus.CANCELLED)
    assert permanences_plan(start=MARCH[0], end=MARCH[1]) == 4
    assert permanences_plan(start=MARCH[0], end=MARCH[1]) == 0
    cancelled.refresh_from_db()
    assert cancelled.status == PermanenceStatus.CANCELLED
    assert Permanence.objects.count() == 5


def test_it_plans_in_constant_queries(venue, quarter, counsellor, coordinator, django_assert_num_queries):
    other = Venue.objects.create(name="Autre lieu", quarter=quarter)
    for v in (venue, other):
        for weekday in (Weekday.MONDAY, Weekday.THURSDAY):
            slot(v, weekday).counsellors.set([counsellor, coordinator])
    # savepoint, slots, their counsellors, existing sessions, insert, created
    # sessions, counsellor links, release savepoint.
    with django_assert_num_queries(8):
        permanences_plan(start=MARCH[0], end=MARCH[1])
    assert Permanence.objects.count() == 2 * 9

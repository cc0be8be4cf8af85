"""Mes prochaines permanences: the coming sessions a counsellor is assigned to."""

import datetime
import re

import pytest
from django.urls import reverse

from permanences.enums import PermanenceStatus
from permanences.models import Venue, WeeklySlot
from permanences.services import permanences_generate, planning_horizon

from ..factories import make_permanence

pytestmark = pytest.mark.django_db

UPCOMING = reverse("permanences:upcoming")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def sessions(venue, quarter, today, counsellor, coordinator):
    other = Venue.objects.create(name="Centre social Espéranto", quarter=quarter)

    def session(place, day, *, users, **extra):
        made = make_permanence(place, day, **extra)
        made.counsellors.set(users)
        return made

    return {
        "today": session(venue, today, users=[counsellor], status=PermanenceStatus.PLANNED),
        "soon": session(
            other, today + 3 * DAY, users=[counsellor, coordinator], status=PermanenceStatus.PLANNED
        ),
        "cancelled": session(venue, today + 8 * DAY, users=[counsellor], status=PermanenceStatus.CANCELLED),
        "past": session(venue, today - DAY, users=[counsellor]),
        "not_mine": session(other, today + 4 * DAY, users=[coordinator], status=PermanenceStatus.PLANNED),
        "nobody": session(venue, today + 5 * DAY, users=[], status=PermanenceStatus.PLANNED),
    }


def dates_shown(response) -> list[str]:
    return re.findall(r'<h2 class="h6 mb-1">(.*?),', response.content.decode())


def test_a_counsellor_sees_their_coming_sessions_in_order_cancellations_included(logged, sessions):
    response = logged.get(UPCOMING)
    assert response.status_code == 200
    assert list(response.context["sessions"]) == [sessions["today"], sessions["soon"], sessions["cancelled"]]
    page = response.content.decode()
    assert "(aujourd'hui)" in page
    assert "Annulée</span> Fermé" in page
    # The desk is one click away for today's session only.
    assert reverse("beneficiaries:desk", args=[sessions["today"].pk]) in page
    assert reverse("beneficiaries:desk", args=[sessions["soon"].pk]) not in page
    assert "Centre social Espéranto" in page


def test_coordination_sees_its_own(client, coordinator, sessions):
    client.force_login(coordinator)
    response = client.get(UPCOMING)
    assert list(response.context["sessions"]) == [sessions["soon"], sessions["not_mine"]]


def test_the_coming_weeks_planned_from_a_slot_are_listed(logged, venue, today, counsellor):
    slot = WeeklySlot.objects.create(
        venue=venue,
        weekday=today.weekday(),
        start_time=datetime.time(9, 30),
        end_time=datetime.time(12, 30),
        valid_from=today,
    )
    slot.counsellors.add(counsellor)
    start, end = planning_horizon(today, 8)
    permanences_generate(start=start, end=end)
    assert len(logged.get(UPCOMING).context["sessions"]) == 8


def test_nothing_assigned_says_so(logged, db):
    response = logged.get(UPCOMING)
    assert "Aucune permanence ne vous est attribuée" in response.content.decode()


def test_it_takes_a_constant_number_of_queries(
    logged, sessions, venue, today, counsellor, django_assert_num_queries
):
    # session, user, roles; the sessions with venue and quarter; their counsellors.
    with django_assert_num_queries(5):
        logged.get(UPCOMING)
    for days in range(10, 15):
        make_permanence(venue, today + days * DAY, status=PermanenceStatus.PLANNED).counsellors.add(
            counsellor
        )
    with django_assert_num_queries(5):
        assert len(logged.get(UPCOMING).context["sessions"]) == 8


@pytest.mark.parametrize(("role", "status"), [("city", 403), ("outsider", 403)])
def test_the_city_and_accounts_without_a_role_see_nobodys_sessions(client, request, sessions, role, status):
    client.force_login(request.getfixturevalue(role))
    response = client.get(UPCOMING)
    assert response.status_code == status
    assert "Alice" not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, sessions):
    response = client.get(UPCOMING)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

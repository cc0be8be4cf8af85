"""Past sessions still "planned" on the data-quality panel, each marked held or
cancelled in one click."""

import datetime
import re

import pytest
from django.urls import reverse

from permanences.enums import PermanenceStatus
from reporting.quality import PAST_PLANNED_SHOWN, data_quality

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

QUALITY = reverse("reporting:quality")
DAY = datetime.timedelta(days=1)


def close_url(session):
    return reverse("permanences:close", args=[session.pk])


@pytest.fixture
def coord(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def past(venue, today):
    """Two past sessions nobody closed, and others that must not be listed."""
    planned = PermanenceStatus.PLANNED
    return {
        "last_week": make_permanence(venue, today - 7 * DAY, status=planned),
        "last_year": make_permanence(venue, today - 380 * DAY, status=planned),
        "held": make_permanence(venue, today - 14 * DAY),
        "cancelled": make_permanence(venue, today - 21 * DAY, status=PermanenceStatus.CANCELLED),
        "today": make_permanence(venue, today, status=planned),
        "coming": make_permanence(venue, today + 7 * DAY, status=planned),
    }


def state(session):
    session.refresh_from_db()
    return session.status, session.cancel_reason


def test_the_panel_lists_the_past_sessions_still_planned_most_recent_first(coord, past, today):
    panel = data_quality(today.year, today=today)
    assert panel.past_planned.count == 2
    assert panel.past_planned.sessions == [past["last_week"], past["last_year"]]
    page = coord.get(QUALITY).content.decode()
    assert "Permanences passées encore « prévues » (2)" in page
    assert page.count('name="status" value="held"') == 2
    assert close_url(past["last_week"]) in page and close_url(past["today"]) not in page


def test_only_the_most_recent_are_shown_with_the_full_count(venue, today):
    for weeks in range(1, PAST_PLANNED_SHOWN + 3):
        make_permanence(venue, today - weeks * 7 * DAY, status=PermanenceStatus.PLANNED)
    panel = data_quality(today.year, today=today)
    assert panel.past_planned.count == PAST_PLANNED_SHOWN + 2
    assert len(panel.past_planned.sessions) == PAST_PLANNED_SHOWN
    assert panel.past_planned.sessions[0].date == today - 7 * DAY


def test_one_click_marks_a_past_session_held(coord, past, today):
    session = past["last_week"]
    response = coord.post(close_url(session), {"status": "held", "next": QUALITY})
    assert response.status_code == 302 and response.url == QUALITY
    assert state(session) == (PermanenceStatus.HELD, "")
    assert session.changed_by_hand_at is not None
    follow = coord.get(QUALITY).content.decode()
    assert "marquée tenue" in follow and "Permanences passées encore « prévues » (1)" in follow


def test_one_click_marks_a_past_session_cancelled_with_its_reason(coord, past, today):
    session = past["last_year"]
    response = coord.post(close_url(session), {"status": "cancelled", "reason": "Grève", "next": QUALITY})
    assert response.status_code == 302
    assert state(session) == (PermanenceStatus.CANCELLED, "Grève")
    assert data_quality(today.year, today=today).past_planned.sessions == [past["last_week"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "²"}, "Choisissez « tenue » ou « annulée »"),
        ({"status": "planned"}, "Choisissez « tenue » ou « annulée »"),
        ({"status": ""}, "Ce champ est obligatoire"),
        ({"status": "cancelled", "reason": ""}, "Indiquez le motif de l'annulation"),
        ({"status": "cancelled", "reason": "   "}, "Indiquez le motif de l'annulation"),
        ({"status": "cancelled", "reason": "x" * 256}, "au plus 255 caractères"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_changes(coord, past, data, message):
    session = past["last_week"]
    response = coord.post(close_url(session), {**data, "next": QUALITY})
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page
    assert message != "Indiquez le motif de l'annulation" or page.count(message) == 1
    assert state(session) == (PermanenceStatus.PLANNED, "")
    # The page offers to try again, and back to where the click was made.
    assert f'name="next" value="{QUALITY}"' in page


def test_a_session_not_past_yet_is_not_closed_from_here(coord, past):
    for name in ("today", "coming"):
        response = coord.post(close_url(past[name]), {"status": "held"})
        assert response.status_code == 400
        assert "pas encore passée : rien n" in response.content.decode().replace("&#x27;", "'")
        assert state(past[name]) == (PermanenceStatus.PLANNED, "")


def test_a_session_closed_meanwhile_is_not_changed_again(coord, past):
    session = past["last_week"]
    assert coord.post(close_url(session), {"status": "held"}).status_code == 302
    response = coord.post(close_url(session), {"status": "cancelled", "reason": "Erreur"})
    assert response.status_code == 409
    page = response.content.decode().replace("&#x27;", "'")
    assert "rien n'a été enregistré" in page and "· tenue" in page
    assert state(session) == (PermanenceStatus.HELD, "")


def test_a_session_with_visits_is_held_never_cancelled(coord, past):
    session = past["last_week"]
    make_visit(make_person(), session)  # logged by an import, say: the session still "planned"
    response = coord.post(close_url(session), {"status": "cancelled", "reason": "Fermé"})
    assert response.status_code == 400
    assert "Des rendez-vous sont enregistrés dans cette permanence" in response.content.decode()
    assert state(session) == (PermanenceStatus.PLANNED, "")
    assert coord.post(close_url(session), {"status": "held"}).status_code == 302
    assert state(session) == (PermanenceStatus.HELD, "")


@pytest.mark.parametrize("target", ["https://example.org/", "//example.org/x", "javascript:alert(1)"])
def test_it_never_returns_to_another_site(coord, past, target):
    response = coord.post(close_url(past["last_week"]), {"status": "held", "next": target})
    assert response.status_code == 302 and response.url.startswith(reverse("permanences:planning"))


@pytest.mark.parametrize("role", ["counsellor", "city"])
def test_only_coordination_closes_sessions(client, request, past, role):
    client.force_login(request.getfixturevalue(role))
    assert client.post(close_url(past["last_week"]), {"status": "held"}).status_code == 403
    assert state(past["last_week"]) == (PermanenceStatus.PLANNED, "")


def test_the_panel_takes_the_same_queries_whatever_the_number_of_sessions(
    coord, past, venue, today, django_assert_num_queries
):
    # session, user, roles; years offered; the data versions (of the year, of every year); five counts of
    # the year and two of the idle files (no shared cache: this test's writes are not committed); the
    # past sessions left "planned": their number, the most recent with venue and quarter.
    with django_assert_num_queries(15):
        coord.get(QUALITY)
    for weeks in range(5, 10):
        make_permanence(venue, today - weeks * 7 * DAY, status=PermanenceStatus.PLANNED)
    with django_assert_num_queries(15):
        page = coord.get(QUALITY).content.decode()
    assert len(re.findall(r'name="status" value="held"', page)) == 7

"""A cancellation made on the planning, as the public sees it: on the public
page, the venue's calendar feed and its poster, with its reason and the next
session at that venue."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue, WeeklySlot
from permanences.services import (
    permanence_add,
    permanence_cancel,
    permanence_update,
    permanences_generate,
    planning_horizon,
    session_state,
)

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat
WEEK = datetime.timedelta(weeks=1)
REASON = "Centre social fermé (travaux)"
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@pytest.fixture
def mondays(venue, quarter, today):
    """Monday mornings at the venue, and Tuesday afternoons at another venue, planned."""
    WeeklySlot.objects.create(
        venue=venue,
        weekday=0,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=datetime.date(2015, 1, 1),
    )
    other = Venue.objects.create(name="Centre social Espéranto", quarter=quarter)
    WeeklySlot.objects.create(
        venue=other,
        weekday=1,
        start_time=T("14:00"),
        end_time=T("17:00"),
        valid_from=datetime.date(2015, 1, 1),
    )
    start, end = planning_horizon(today, 8)
    permanences_generate(start=start, end=end)
    return list(Permanence.objects.filter(venue=venue).order_by("date"))


def cancel(session, reason=REASON):
    return permanence_cancel(permanence=session, reason=reason, expected_state=session_state(session))


def venue_card(client, venue) -> str:
    page = client.get(reverse("public:schedule")).content.decode().replace("&#x27;", "'")
    return re.search(rf'<article id="lieu-{venue.pk}".*?</article>', page, re.S).group(0)


def cancelled_line(card: str, day: datetime.date) -> str:
    match = re.search(
        rf'<li class="session-cancelled">\s*.*?<time datetime="{day.isoformat()}">.*?</li>', card, re.S
    )
    assert match, day
    return re.sub(r"\s+", " ", match.group(0))


def feed_events(client, venue):
    response = client.get(reverse("public:venue_feed", args=[venue.pk]))
    assert response.status_code == 200
    return {event.start.date(): event for event in Calendar.from_ical(response.content).events}


def test_the_public_page_shows_the_cancellation_its_reason_and_the_next_session(client, venue, mondays):
    cancelled = cancel(mondays[1])
    line = cancelled_line(venue_card(client, venue), cancelled.date)
    assert "Annulée" in line and REASON in line
    following = mondays[2].date
    assert f'Prochaine permanence : <time datetime="{following.isoformat()}">' in line
    assert "9h30–12h30" in line.split("Prochaine permanence")[1]


def test_the_venues_feed_shows_the_cancellation_its_reason_and_the_next_session(client, venue, mondays):
    cancelled = cancel(mondays[1])
    event = feed_events(client, venue)[cancelled.date]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Annulée : ")
    following = mondays[2].date
    day = f"lundi {following.day} {MONTHS[following.month - 1]} {following.year}"
    assert str(event["DESCRIPTION"]).splitlines() == [
        f"Permanence annulée : {REASON}.",
        f"Prochaine permanence : {day}, 9h30–12h30.",
    ]


def test_the_next_session_skips_other_cancellations_and_other_venues(client, venue, mondays):
    cancel(mondays[1])
    cancel(mondays[2], "Formation de l'équipe")
    line = cancelled_line(venue_card(client, venue), mondays[1].date)
    # The Tuesdays of the other venue come before, but are not at this venue.
    assert f'Prochaine permanence : <time datetime="{mondays[3].date.isoformat()}">' in line
    assert "14h00" not in line


def test_the_next_session_is_a_moved_or_an_added_one_when_it_comes_first(client, venue, mondays, counsellor):
    cancel(mondays[1])
    moved = mondays[2]
    permanence_update(
        permanence=moved,
        expected_state=session_state(moved),
        day=moved.date + datetime.timedelta(days=2),
        start_time=T("14:00"),
        end_time=T("16:00"),
        counsellors=[],
    )
    line = cancelled_line(venue_card(client, venue), mondays[1].date)
    assert f'<time datetime="{moved.date + datetime.timedelta(days=2)}">' in line and "14h00–16h00" in line
    added = permanence_add(
        venue=venue,
        day=mondays[1].date + datetime.timedelta(days=1),
        start_time=T("18:00"),
        end_time=T("20:00"),
        counsellors=[counsellor],
    )
    line = cancelled_line(venue_card(client, venue), mondays[1].date)
    assert f'Prochaine permanence : <time datetime="{added.date.isoformat()}">' in line


def test_without_a_next_session_the_page_and_the_feed_say_it_is_not_announced_yet(client, venue, mondays):
    WeeklySlot.objects.filter(venue=venue).update(valid_until=mondays[1].date)
    Permanence.objects.filter(venue=venue, date__gt=mondays[1].date).delete()
    cancel(mondays[1])
    line = cancelled_line(venue_card(client, venue), mondays[1].date)
    assert "Prochaine permanence : pas encore annoncée" in line
    description = str(feed_events(client, venue)[mondays[1].date]["DESCRIPTION"])
    assert description.endswith("Prochaine permanence : pas encore annoncée.")


def test_a_cancellation_beyond_the_coming_weeks_has_its_next_session_too(client, venue, mondays, today):
    late = mondays[6]  # in seven weeks, beyond the public page's four
    cancel(late)
    card = venue_card(client, venue)
    assert "Fermetures annoncées ensuite" in card
    line = cancelled_line(card, late.date)
    assert f'Prochaine permanence : <time datetime="{mondays[7].date.isoformat()}">' in line
    # Beyond the planned weeks, the next one comes from the weekly slot.
    last = cancel(mondays[7])
    line = cancelled_line(venue_card(client, venue), last.date)
    assert f'Prochaine permanence : <time datetime="{(last.date + WEEK).isoformat()}">' in line


def test_the_poster_shows_the_closure_and_the_next_session(client, venue, mondays):
    cancel(mondays[1])
    response = client.get(reverse("public:venue_poster", args=[venue.pk]))
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert REASON in text and "Prochaine permanence" in text


def test_a_cancelled_session_is_still_one_event_with_the_same_uid(client, venue, mondays):
    before = feed_events(client, venue)[mondays[1].date]["UID"]
    cancel(mondays[1])
    after = feed_events(client, venue)[mondays[1].date]
    assert after["UID"] == before and after["SEQUENCE"] == 1
    assert Permanence.objects.get(pk=mondays[1].pk).status == PermanenceStatus.CANCELLED

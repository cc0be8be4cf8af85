"""Messages to persons per month on the dashboard: counts per channel and status for
the year; the city sees no name, counts of 1 to 4 as "< 5" and no total (a total
would give a hidden count back by difference); coordination sees all and the totals."""

import datetime
import re

import pytest
from django.urls import reverse

from messaging.enums import Channel, Status

from ..beneficiaries.files import page_text
from ..factories import make_permanence, make_person, make_visit
from ..messaging.helpers import make_message, moment

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reporting:dashboard")
YEAR = datetime.date.today().year - 1


@pytest.fixture
def year_of_messages():
    """March: 6 SMS sent, 2 failed; April: 1 e-mail sent; one message the year after."""
    person = make_person("Zébulon", "Confidentiel")
    for n in range(6):
        make_message(person, at=moment(datetime.date(YEAR, 3, 1 + n)))
    for n in range(2):
        make_message(person, at=moment(datetime.date(YEAR, 3, 10 + n)), status=Status.FAILED)
    make_message(person, channel=Channel.EMAIL, at=moment(datetime.date(YEAR, 4, 2)))
    make_message(person, at=moment(datetime.date(YEAR + 1, 1, 5)))
    return person


def messages_table(client, user, **params):
    client.force_login(user)
    response = client.get(DASHBOARD, {"year": YEAR, "chiffres": "jour", **params})
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'id="tableau-messages".*?</table>', html, re.S)
    return (page_text_of(match.group()) if match else None), html


def page_text_of(fragment: str) -> str:
    class Fake:
        content = fragment.encode()

    return page_text(Fake)


def test_coordination_sees_every_count_and_the_totals(client, coordinator, year_of_messages):
    table, _ = messages_table(client, coordinator)
    # SMS: waiting, sent, failed, not sent; e-mail the same.
    assert "Mars 0 6 2 0 0 0 0 0" in table
    assert "Avril 0 0 0 0 0 1 0 0" in table
    assert "Janvier 0 0 0 0 0 0 0 0" in table  # next year's message is not this year's
    assert "Total 0 6 2 0 0 1 0 0" in table


def test_the_city_sees_small_counts_masked_no_total_and_no_name(client, city, year_of_messages):
    table, html = messages_table(client, city)
    assert "Mars 0 6 < 5 0 0 0 0 0" in table
    assert "Avril 0 0 0 0 0 < 5 0 0" in table
    assert "Total" not in table
    assert "Zébulon" not in html and "Confidentiel" not in html and "Bonjour" not in html


@pytest.mark.parametrize("scope", ["venue", "quarter"])
def test_a_venue_or_quarter_page_has_no_message_counts(client, coordinator, venue, year_of_messages, scope):
    params, label = {
        "venue": ({"venue": venue.pk}, f"ieu d&#x27;accueil : {venue.name}"),
        "quarter": ({"quarter": venue.quarter_id}, f"ieux d&#x27;accueil du quartier {venue.quarter.name}"),
    }[scope]
    table, html = messages_table(client, coordinator, **params)
    assert label in html  # the restricted page
    assert table is None


def test_a_year_of_fewer_than_five_persons_shows_no_message_counts_to_the_city(
    client, city, venue, year_of_messages
):
    """One person seen in the year: the city's bilan is not detailed (docs/BILAN.md), nor its messages."""
    make_visit(year_of_messages, make_permanence(venue, datetime.date(YEAR, 3, 1)))
    table, html = messages_table(client, city)
    assert table is None and "Moins de 5 personnes" in html

"""The `follow_ups` section of the bilan: follow-up appointments whose session is in
the year, exactly, across the year's boundaries; never a change to the council grid;
shown to the city as aggregates under the small-count rule."""

import datetime
import re

import pytest
from django.urls import reverse

from beneficiaries.models import Appointment
from permanences.enums import PermanenceStatus
from reporting.bilan import compute_bilan
from reporting.figures import Bilan

from ..factories import make_permanence, make_person, make_visit
from .conftest import SECRET_NAMES, YEAR

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def booked(person, session, time="10:00", **extra):
    return Appointment.objects.create(beneficiary=person, permanence=session, time=time, **extra)


def without_follow_ups(bilan: Bilan) -> dict:
    return {key: value for key, value in bilan.as_dict().items() if key != "follow_ups"}


def test_follow_ups_count_the_sessions_of_the_year_across_its_boundaries(venue):
    persons = [make_person(f"Nom{n}", f"Prénom{n}") for n in range(6)]
    last_day = make_permanence(venue, D(f"{YEAR}-12-31"))
    first_day = make_permanence(venue, D(f"{YEAR + 1}-01-02"))
    before = make_permanence(venue, D(f"{YEAR - 1}-12-31"))
    june = make_permanence(venue, D(f"{YEAR}-06-10"))
    cancelled = make_permanence(venue, D(f"{YEAR}-06-11"), status=PermanenceStatus.CANCELLED)
    # Honoured on 31 December; missed on 31 December.
    booked(persons[0], last_day)
    make_visit(persons[0], last_day)
    booked(persons[1], last_day)
    # Booked in December (created now: the booking date does not matter) for January: next year.
    booked(persons[2], first_day)
    make_visit(persons[2], first_day)
    booked(persons[3], before)  # the year before, missed
    booked(persons[4], june)
    make_visit(persons[4], june)
    booked(persons[5], june, cancelled_at=datetime.datetime(YEAR, 6, 1, tzinfo=datetime.UTC))
    booked(persons[5], cancelled)  # with its session
    follow_ups = compute_bilan(YEAR).as_dict()["follow_ups"]
    assert follow_ups == {"booked": 3, "honoured": 2, "missed": 1, "honoured_pct": 67}
    assert compute_bilan(YEAR + 1).as_dict()["follow_ups"] == {
        "booked": 1,
        "honoured": 1,
        "missed": 0,
        "honoured_pct": 100,
    }
    assert compute_bilan(YEAR - 1).follow_ups.missed == 1
    # A venue's bilan counts its sessions only.
    other = make_permanence(
        type(venue).objects.create(name="Autre lieu", quarter=venue.quarter), D(f"{YEAR}-03-03")
    )
    booked(persons[1], other)
    assert compute_bilan(YEAR, venue=venue).follow_ups.booked == 3
    assert compute_bilan(YEAR).follow_ups.booked == 4


def test_a_coming_appointment_is_booked_but_neither_honoured_nor_missed(venue, today):
    coming = make_permanence(venue, today + datetime.timedelta(days=1), status=PermanenceStatus.PLANNED)
    past = make_permanence(venue, today - datetime.timedelta(days=1))
    booked(make_person(), coming)
    booked(make_person("Autre"), past)
    years = [compute_bilan(year).follow_ups for year in {coming.date.year, past.date.year}]
    totals = [sum(getattr(f, name) for f in years) for name in ("booked", "honoured", "missed")]
    assert totals == [2, 0, 1]


def test_bookings_never_change_the_council_grid(dataset, venue):
    seen = dataset["persons"][0]
    sessions = [make_permanence(venue, D(f"{YEAR}-{month:02d}-20")) for month in (2, 5, 11)]
    before = without_follow_ups(compute_bilan(YEAR))
    for session in sessions:
        booked(seen, session)  # missed: no visit there
    booked(make_person("Jamais", "Venue"), sessions[0])  # never seen at all
    after = compute_bilan(YEAR)
    assert without_follow_ups(after) == before
    assert after.follow_ups.booked == 4 and after.follow_ups.missed == 4


def test_the_json_keeps_follow_ups_and_an_older_publication_reads_zeros(venue):
    session = make_permanence(venue, D(f"{YEAR}-04-04"))
    person = make_person()
    booked(person, session)
    make_visit(person, session)
    bilan = compute_bilan(YEAR)
    assert Bilan.from_dict(bilan.as_dict()) == bilan
    old = Bilan.from_dict({"year": YEAR, "persons": 1})
    assert (old.follow_ups.booked, old.follow_ups.honoured_pct) == (0, 0)


def follow_up_table(html: str) -> str:
    return re.search(r'id="tableau-suivis".*?</table>', html, re.S).group()


def test_the_city_sees_follow_ups_as_aggregates_with_small_counts_hidden(
    client, city, coordinator, dataset, venue
):
    secret = dataset["persons"][0]
    sessions = [make_permanence(venue, D(f"{YEAR}-10-{day:02d}")) for day in range(1, 9)]
    for session in sessions[:6]:  # six honoured
        booked(secret, session, purpose="Rendez-vous Zébulon")
        make_visit(secret, session)
    for session in sessions[6:]:  # two missed
        booked(secret, session)
    client.force_login(coordinator)
    full = follow_up_table(client.get(reverse("reporting:dashboard"), {"year": YEAR}).content.decode())
    assert re.search(r"Honorés</th>\s*<td[^>]*>6<", full) and re.search(r"Manqués</th>\s*<td[^>]*>2<", full)
    client.force_login(city)
    html = client.get(reverse("reporting:dashboard"), {"year": YEAR, "chiffres": "jour"}).content.decode()
    masked = follow_up_table(html)
    assert "&lt; 5" in masked  # the two missed
    # …and what would give them away: booked = honoured + missed, and the share.
    shown_booked = re.search(r"Pris \(non annulés\)</th>\s*<td[^>]*>8<", masked)
    shown_honoured = re.search(r"Honorés</th>\s*<td[^>]*>6<", masked)
    assert not (shown_booked and shown_honoured)
    assert "75" not in masked
    for name in SECRET_NAMES:
        assert name not in html

"""The public schedule, its calendar feeds and posters, checked against the database."""

import datetime
import io
import re

import pytest
from django.db.models import Q
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from permanences import schedule
from permanences.enums import PermanenceStatus, Weekday
from permanences.models import Permanence, PublicInfo, Quarter, Venue, WeeklySlot
from permanences.services import permanences_plan

from ..factories import make_permanence

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat
LONG_AGO = datetime.date(2015, 1, 1)


def next_weekday(day, weekday, *, weeks_after=0):
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7, weeks=weeks_after)


def slot(venue, weekday, start, end, **extra):
    return WeeklySlot.objects.create(
        venue=venue,
        weekday=weekday,
        start_time=T(start),
        end_time=T(end),
        valid_from=extra.pop("valid_from", LONG_AGO),
        **extra,
    )


def cancel(venue, day, reason, start="09:30", end="12:30"):
    permanence = make_permanence(venue, day, status=PermanenceStatus.CANCELLED, start=start, end=end)
    permanence.cancel_reason = reason
    permanence.save()
    return permanence


@pytest.fixture
def territory(today, counsellor, coordinator):
    """Two quarters with two active venues each, an inactive venue, slots of every
    validity, and sessions: cancelled soon, later, in the past, and one ad hoc."""
    bel_air = Quarter.objects.create(name="Bel Air – Grands Pêchers")
    morillon = Quarter.objects.create(name="Montreau – Le Morillon")
    grand_air = Venue.objects.create(
        name="Centre social Grand Air",
        quarter=bel_air,
        address="40 rue du Bel Air",
        postal_code="93100",
        city="Montreuil",
        access_info="Bus 122, arrêt Bel Air",
    )
    annexe = Venue.objects.create(name="Annexe Bel Air", quarter=bel_air)
    esperanto = Venue.objects.create(name="Centre social Espéranto", quarter=morillon)
    antenne = Venue.objects.create(name="Antenne Morillon", quarter=morillon)
    closed = Venue.objects.create(name="Lieu fermé", quarter=morillon, is_active=False)

    monday = slot(grand_air, Weekday.MONDAY, "09:30", "12:30")
    monday.counsellors.set([counsellor, coordinator])
    slot(grand_air, Weekday.THURSDAY, "14:00", "17:00", valid_until=today - datetime.timedelta(days=1))
    slot(grand_air, Weekday.FRIDAY, "09:00", "11:00", valid_from=today + datetime.timedelta(days=10))
    slot(annexe, Weekday.WEDNESDAY, "10:00", "12:00").counsellors.set([counsellor])
    slot(esperanto, Weekday.TUESDAY, "14:00", "17:00").counsellors.set([coordinator])
    slot(esperanto, Weekday.SATURDAY, "10:00", "12:00", valid_until=today + datetime.timedelta(weeks=20))
    slot(antenne, Weekday.TUESDAY, "09:30", "12:30")
    slot(closed, Weekday.WEDNESDAY, "09:30", "12:30")

    soon = next_weekday(today, Weekday.MONDAY, weeks_after=1)
    cancel(grand_air, soon, "Fermeture exceptionnelle du centre")
    cancel(
        annexe,
        next_weekday(today, Weekday.WEDNESDAY, weeks_after=2),
        "Formation de l'équipe",
        "10:00",
        "12:00",
    )
    cancel(esperanto, next_weekday(today, Weekday.TUESDAY, weeks_after=10), "Travaux d'été", "14:00", "17:00")
    cancel(grand_air, today - datetime.timedelta(days=7), "Ancienne fermeture")
    cancel(closed, next_weekday(today, Weekday.WEDNESDAY, weeks_after=1), "Lieu fermé définitivement")
    ad_hoc = make_permanence(
        antenne,
        today + datetime.timedelta(days=3),
        status=PermanenceStatus.PLANNED,
        start="15:00",
        end="16:30",
    )
    return {
        "grand_air": grand_air,
        "esperanto": esperanto,
        "closed": closed,
        "ad_hoc": ad_hoc,
    }


def active_slots_on(day):
    """The weekly slots the public must see, as the database says (no schedule code)."""
    return WeeklySlot.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day), venue__is_active=True, valid_from__lte=day
    )


def coming_cancellations(day):
    return Permanence.objects.filter(
        status=PermanenceStatus.CANCELLED, venue__is_active=True, date__gte=day
    ).select_related("venue")


def venue_html(html, venue):
    match = re.search(rf'<article id="lieu-{venue.pk}".*?</article>', html, re.S)
    assert match, venue
    return match.group(0)


def hm(time):
    return f"{time.hour}h{time.minute:02d}"


SLOT_LINE = re.compile(r"<strong>(\w+)</strong> de (\d+h\d\d) à (\d+h\d\d)")
CANCELLED_LINE = re.compile(
    r'<li class="session-cancelled">.*?<time datetime="([\d-]+)">.*?(\d+h\d\d)–\d+h\d\d : ([^<]+?)\s*'
    r"(?:<br>.*?)?</li>",
    re.S,
)


# --- the page --------------------------------------------------------------


def test_the_public_page_needs_no_login_and_is_french(client, territory):
    response = client.get(reverse("public:schedule"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1" in html and "où et quand ?" in html
    assert reverse("public:schedule") == "/permanences-emploi/"


def test_it_shows_exactly_the_active_weekly_slots_of_each_active_venue(client, territory, today):
    html = client.get(reverse("public:schedule")).content.decode()
    expected = {}
    for s in active_slots_on(today).select_related("venue"):
        expected.setdefault(s.venue, set()).add((s.get_weekday_display(), hm(s.start_time), hm(s.end_time)))
    assert len(expected) == 4
    for venue, slots in expected.items():
        assert set(SLOT_LINE.findall(venue_html(html, venue))) == slots, venue
    assert f'id="lieu-{territory["closed"].pk}"' not in html
    assert "Lieu fermé" not in html


def test_it_shows_exactly_the_coming_cancellations_with_their_reason(client, territory, today):
    html = client.get(reverse("public:schedule")).content.decode()
    shown = {(d, start, reason) for d, start, reason in CANCELLED_LINE.findall(html)}
    expected = {
        (p.date.isoformat(), hm(p.start_time), p.cancel_reason.replace("'", "&#x27;"))
        for p in coming_cancellations(today)
    }
    assert len(expected) == 3
    assert shown == expected
    assert "Ancienne fermeture" not in html


def test_the_coming_dates_come_from_the_slots_and_the_existing_sessions(client, territory, today):
    html = client.get(reverse("public:schedule")).content.decode()
    grand_air = venue_html(html, territory["grand_air"])
    mondays = [next_weekday(today, Weekday.MONDAY, weeks_after=w) for w in range(4)]
    for monday in mondays:
        assert f'datetime="{monday.isoformat()}"' in grand_air
    ad_hoc = territory["ad_hoc"]
    assert f'datetime="{ad_hoc.date.isoformat()}"' in html
    assert "15h00–16h30" in html


def test_the_schedule_lists_the_sessions_that_planning_would_create(territory, today):
    """The public dates and permanences_plan share one rule: planning the period
    creates a row for every date shown, and none other."""
    weeks = schedule.PAGE_WEEKS
    end = today + datetime.timedelta(weeks=weeks, days=-1)
    shown = {
        (s.venue.pk, s.date, s.start_time)
        for vs in schedule.venue_schedules(day=today, weeks=weeks)
        for s in vs.sessions
    }
    permanences_plan(start=today, end=end)
    planned = set(
        Permanence.objects.filter(venue__is_active=True, date__gte=today, date__lte=end).values_list(
            "venue_id", "date", "start_time"
        )
    )
    assert shown == planned


def test_no_counsellor_name_unless_the_venue_publishes_them(client, territory, counsellor, coordinator):
    html = client.get(reverse("public:schedule")).content.decode()
    assert "Alice" not in html and "Bob" not in html

    grand_air = territory["grand_air"]
    grand_air.publish_counsellors = True
    grand_air.save()
    html = client.get(reverse("public:schedule")).content.decode()
    card = venue_html(html, grand_air)
    assert "avec Alice, Bob" in card or "avec Bob, Alice" in card
    # Another venue's counsellors stay unpublished.
    assert "Bob" not in venue_html(html, territory["esperanto"])


def test_each_venue_card_shows_its_access_information(client, territory):
    """The venue's access help text: published on the public page (and the poster)."""
    html = client.get(reverse("public:schedule")).content.decode()
    assert "Accès : Bus 122, arrêt Bel Air" in venue_html(html, territory["grand_air"])
    assert "Accès :" not in venue_html(html, territory["esperanto"])
    help_text = Venue._meta.get_field("access_info").help_text
    assert help_text.startswith("Publié sur la page publique et l'affiche : ")


def test_the_public_texts_come_from_the_admin(client, territory):
    html = client.get(reverse("public:schedule")).content.decode()
    assert "Une pièce d'identité".replace("'", "&#x27;") in html  # default text
    PublicInfo.objects.create(
        organiser="Association Aurore",
        what_to_bring="Un stylo\nVotre agenda",
        partners="Mission locale",
        contact="01 23 45 67 89",
    )
    html = client.get(reverse("public:schedule")).content.decode()
    assert "Organisées par Association Aurore." in html
    assert "<li>Un stylo</li><li>Votre agenda</li>" in html
    assert "<li>Mission locale</li>" in html
    assert "Contact : 01 23 45 67 89" in html


def test_the_page_says_so_when_nothing_is_scheduled(client, db):
    response = client.get(reverse("public:schedule"))
    assert "Aucune permanence n'est programmée en ce moment." in response.content.decode()


def test_the_page_answers_in_constant_queries(client, territory, today, django_assert_num_queries):
    # 1 slots with venue and quarter, 2 their counsellors, 3 existing sessions
    # with venue and quarter, 4 the public texts.
    with django_assert_num_queries(4):
        client.get(reverse("public:schedule"))
    more = Venue.objects.create(name="Encore un lieu", quarter=Quarter.objects.first())
    slot(more, Weekday.MONDAY, "14:00", "16:00").counsellors.set(
        territory["grand_air"].slots.first().counsellors.all()
    )
    cancel(more, next_weekday(today, Weekday.MONDAY, weeks_after=1), "Fermé", "14:00", "16:00")
    with django_assert_num_queries(4):
        client.get(reverse("public:schedule"))


def test_it_is_linked_from_every_page(client, counsellor):
    client.force_login(counsellor)
    html = client.get(reverse("permanences:today")).content.decode()
    assert f'href="{reverse("public:schedule")}"' in html


# --- the calendar feeds ------------------------------------------------------


def parse_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_parses_back_with_every_coming_session(client, territory, today):
    calendar = parse_feed(client, reverse("public:feed"))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    # The time zone covers the sessions' period only, not 1970 to 2038.
    assert b"1970" not in calendar.to_ical()
    events = calendar.events
    expected = schedule.all_sessions(schedule.venue_schedules(day=today, weeks=schedule.FEED_WEEKS))
    assert len(events) == len(expected) > 20
    assert len({str(e["UID"]) for e in events}) == len(events)
    for event, session in zip(events, expected, strict=True):
        assert event.start.date() == session.date
        assert event.start.time() == session.start_time
        assert str(event.start.tzinfo) == "Europe/Paris"
        assert event.end.time() == session.end_time
        assert session.venue.name in str(event["LOCATION"])
        assert event["DTSTAMP"]
    assert all(e.start.date() >= today for e in events)


def test_cancelled_sessions_are_cancelled_events_with_their_reason(client, territory, today):
    events = parse_feed(client, reverse("public:feed")).events
    cancelled = {
        (e.start.date(), str(e["DESCRIPTION"]).splitlines()[0]) for e in events if e["STATUS"] == "CANCELLED"
    }
    expected = {(p.date, f"Permanence annulée : {p.cancel_reason}.") for p in coming_cancellations(today)}
    assert cancelled == expected
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED", "CONFIRMED"}
    assert all(e["SEQUENCE"] == 1 for e in events if e["STATUS"] == "CANCELLED")


def test_a_venue_feed_holds_only_that_venue(client, territory):
    grand_air = territory["grand_air"]
    calendar = parse_feed(client, reverse("public:venue_feed", args=[grand_air.pk]))
    assert calendar.events
    assert {str(e["LOCATION"]) for e in calendar.events} == {
        "Centre social Grand Air, 40 rue du Bel Air, 93100 Montreuil"
    }
    # Mondays only: the Thursday slot has ended and the Friday one starts later.
    weekdays = {e.start.weekday() for e in calendar.events}
    assert Weekday.MONDAY in weekdays and Weekday.THURSDAY not in weekdays


def test_event_uids_do_not_change_when_the_sessions_are_planned(client, territory, today):
    before = {str(e["UID"]) for e in parse_feed(client, reverse("public:feed")).events}
    permanences_plan(start=today, end=today + datetime.timedelta(weeks=schedule.FEED_WEEKS))
    after = {str(e["UID"]) for e in parse_feed(client, reverse("public:feed")).events}
    assert before == after


def test_the_feeds_answer_in_constant_queries(client, territory, django_assert_num_queries):
    # slots, their counsellors, existing sessions, the public texts; plus the venue for one venue's feed.
    with django_assert_num_queries(4):
        client.get(reverse("public:feed"))
    with django_assert_num_queries(5):
        client.get(reverse("public:venue_feed", args=[territory["grand_air"].pk]))


# --- the posters -------------------------------------------------------------


def poster_text(client, venue):
    response = client.get(reverse("public:venue_poster", args=[venue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, " ".join((page.extract_text() or "") for page in reader.pages)


def test_the_poster_is_one_a4_page_with_the_active_slots_and_the_coming_closures(client, territory, today):
    grand_air = territory["grand_air"]
    grand_air.publish_counsellors = True
    grand_air.save()
    PublicInfo.objects.create(organiser="Association Aurore", contact="permanences@aurore.example")
    reader, text = poster_text(client, grand_air)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    flat = " ".join(text.split())
    assert "Permanence emploi" in flat
    assert "Centre social Grand Air" in flat
    assert "40 rue du Bel Air, 93100 Montreuil" in flat
    assert "Accès : Bus 122, arrêt Bel Air" in flat
    slots = active_slots_on(today).filter(venue=grand_air)
    assert slots.count() == 1
    for s in slots:
        assert f"{s.get_weekday_display()} de {hm(s.start_time)} à {hm(s.end_time)}" in flat
    assert "Jeudi" not in flat and "Vendredi" not in flat  # ended and not yet started
    closures = coming_cancellations(today).filter(venue=grand_air)
    assert closures.count() == 1
    for p in closures:
        assert p.cancel_reason in flat
    assert "Ancienne fermeture" not in flat
    assert "Pensez à apporter" in flat
    assert "avec Alice, Bob" in flat or "avec Bob, Alice" in flat
    assert "Organisée par Association Aurore." in flat
    assert "Contact : permanences@aurore.example" in flat
    assert "http://testserver/permanences-emploi/" in flat


def test_the_poster_lists_closures_beyond_the_coming_weeks_too(client, territory, today):
    _, text = poster_text(client, territory["esperanto"])
    assert "Travaux d'été" in " ".join(text.split())


def test_the_poster_answers_in_constant_queries(client, territory, django_assert_num_queries):
    # the venue, slots, their counsellors, existing sessions, the public texts.
    with django_assert_num_queries(5):
        client.get(reverse("public:venue_poster", args=[territory["grand_air"].pk]))


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["public:venue_feed", "public:venue_poster"])
def test_an_unknown_or_inactive_venue_is_a_french_404(client, territory, name):
    for pk in [territory["closed"].pk, 987654, 2**63 + 5]:
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 404, pk
        assert "Page introuvable" in response.content.decode()
    assert client.get(reverse(name, args=[1]).replace("/1/", "/abc/")).status_code == 404


@pytest.mark.parametrize("role", [None, "counsellor"])
def test_an_unknown_address_is_a_french_404_for_everyone(client, request, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get("/permanences-emploi/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_the_public_pages_only_answer_get(client, territory):
    assert client.post(reverse("public:schedule")).status_code == 405
    assert client.post(reverse("public:feed")).status_code == 405

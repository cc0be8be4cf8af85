"""The planning page of coordination, through its real forms: week by week and
venue by venue; an exceptional session added, one moved, its counsellors
assigned, one cancelled with a public reason; concurrent changes refused."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from core.models import FormSubmission
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue, WeeklySlot
from permanences.services import permanences_generate, planning_horizon

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(weeks=1)
T = datetime.time.fromisoformat
PLANNING = reverse("permanences:planning")
ADD = reverse("permanences:planning_add")


def edit_url(session):
    return reverse("permanences:planning_edit", args=[session.pk])


def cancel_url(session):
    return reverse("permanences:planning_cancel", args=[session.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def hidden(response, name: str) -> str:
    """The value of a hidden field of the page, as the browser sends it back."""
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', response.content.decode())
    assert match, name
    return html.unescape(match.group(1))


def snapshot():
    return sorted(
        (
            p.pk,
            p.date,
            p.start_time,
            p.end_time,
            p.status,
            p.cancel_reason,
            p.updated_at,
            *sorted(p.counsellors.values_list("pk", flat=True)),
        )
        for p in Permanence.objects.all()
    )


@pytest.fixture
def coord(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def other_venue(quarter):
    return Venue.objects.create(name="Centre social Espéranto", quarter=quarter)


@pytest.fixture
def next_week(today):
    return today - datetime.timedelta(days=today.weekday()) + WEEK


@pytest.fixture
def coming(venue, other_venue, next_week, counsellor, coordinator):
    """Next week: two sessions at each venue, with their counsellors."""
    sessions = []
    for place in (venue, other_venue):
        for offset, start, end in ((0, "09:30", "12:30"), (2, "14:00", "17:00")):
            session = make_permanence(
                place,
                next_week + datetime.timedelta(days=offset),
                status=PermanenceStatus.PLANNED,
                start=start,
                end=end,
            )
            session.counsellors.set([counsellor, coordinator])
            sessions.append(session)
    return sessions


# --- the week -----------------------------------------------------------------


def test_the_planning_shows_a_week_venue_by_venue(coord, coming, venue, other_venue, next_week):
    response = coord.get(PLANNING, {"semaine": next_week.isoformat()})
    assert response.status_code == 200
    page = text(response)
    assert f"Semaine du lundi {next_week.day}" in page
    for place in (venue, other_venue):
        section = re.search(rf'<section aria-labelledby="lieu-{place.pk}".*?</section>', page, re.S).group(0)
        assert "09h30–12h30" in section and "14h00–17h00" in section
        assert section.count("Avec ") == 2 and "Alice" in section and "Bob" in section
    for session in coming:
        assert edit_url(session) in page and cancel_url(session) in page


def test_a_week_can_be_shown_for_one_venue(coord, coming, venue, other_venue, next_week):
    page = text(coord.get(PLANNING, {"semaine": next_week.isoformat(), "lieu": venue.pk}))
    assert f'id="lieu-{venue.pk}"' in page and f'id="lieu-{other_venue.pk}"' not in page
    # Any day of a week shows that week, from its Monday.
    page = text(coord.get(PLANNING, {"semaine": (next_week + datetime.timedelta(days=3)).isoformat()}))
    assert f"Semaine du lundi {next_week.day}" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"semaine": "²"}, "Saisissez une date valide"),
        ({"semaine": "٢٠٢٦-٠٦-١٥"}, "Saisissez une date valide"),
        ({"semaine": "2026-02-30"}, "Saisissez une date valide"),
        ({"semaine": "9999-01-01"}, "Choisissez une date entre le 01/01/1990"),
        ({"lieu": "²"}, "Lieu inconnu ou fermé"),
        ({"lieu": "999999"}, "Lieu inconnu ou fermé"),
    ],
)
def test_a_wrong_week_or_venue_shows_this_week_and_says_so(coord, coming, today, params, message):
    response = coord.get(PLANNING, params)
    assert response.status_code == 200
    monday = today - datetime.timedelta(days=today.weekday())
    assert message in text(response)
    assert (
        f'name="semaine" id="id_semaine" class="form-control" value="{monday:%d/%m/%Y}"'
        in response.content.decode()
    )


def test_the_planning_page_takes_a_constant_number_of_queries(
    coord, coming, venue, next_week, counsellor, django_assert_num_queries
):
    week = {"semaine": next_week.isoformat()}
    # session, user, roles; the venues, the week's sessions with venue and
    # quarter, their counsellors; the venues of the selector.
    with django_assert_num_queries(7):
        coord.get(PLANNING, week)
    for offset in range(3, 7):
        make_permanence(venue, next_week + datetime.timedelta(days=offset)).counsellors.add(counsellor)
    with django_assert_num_queries(7):
        response = coord.get(PLANNING, week)
    assert (
        response.status_code == 200
        and {w.venue: len(w.sessions) for w in response.context["week"].venues}[venue] == 6
    )
    # One venue: the venue asked, one more.
    with django_assert_num_queries(8):
        coord.get(PLANNING, {**week, "lieu": venue.pk})


def test_planning_now_creates_the_coming_weeks_from_the_slots(coord, venue, today, settings):
    WeeklySlot.objects.create(
        venue=venue,
        weekday=0,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=datetime.date(2015, 1, 1),
    )
    response = coord.post(reverse("permanences:planning_generate"), {"semaine": today.isoformat()})
    assert response.status_code == 302
    assert Permanence.objects.count() == settings.PLANNING_WEEKS
    # A week beyond the planning is prepared when shown.
    far = today + 20 * WEEK
    coord.post(reverse("permanences:planning_generate"), {"semaine": far.isoformat()})
    assert Permanence.objects.filter(date__gte=far - datetime.timedelta(days=far.weekday())).count() == 1


@pytest.mark.parametrize("value", ["²", "2026-13-01", "١٢"])
def test_planning_now_with_a_wrong_week_plans_nothing(coord, venue, value):
    WeeklySlot.objects.create(
        venue=venue,
        weekday=0,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=datetime.date(2015, 1, 1),
    )
    response = coord.post(reverse("permanences:planning_generate"), {"semaine": value})
    assert response.status_code == 400 and "Saisissez une date valide" in text(response)
    assert not Permanence.objects.exists()


# --- an exceptional session ---------------------------------------------------


def add_form(coord, venue, **data):
    page = coord.get(ADD, {"lieu": venue.pk})
    return {
        "token": hidden(page, "token"),
        "venue": venue.pk,
        "date": "",
        "start_time": "18:00",
        "end_time": "20:00",
        **data,
    }


def test_an_exceptional_session_is_added_through_the_form(coord, venue, counsellor, today, client):
    day = today + 2 * WEEK
    data = add_form(coord, venue, date=day.isoformat(), counsellors=[counsellor.pk])
    response = coord.post(ADD, data)
    session = Permanence.objects.get()
    assert response.status_code == 302 and response.url.startswith(PLANNING)
    assert (session.venue, session.date, session.start_time, session.end_time) == (
        venue,
        day,
        T("18:00"),
        T("20:00"),
    )
    assert (session.status, session.slot, session.slot_date) == (PermanenceStatus.PLANNED, None, None)
    assert session.changed_by_hand_at is not None
    assert list(session.counsellors.all()) == [counsellor]
    # Sent twice (double click, back button): still one.
    assert coord.post(ADD, data).status_code == 302
    assert Permanence.objects.count() == 1
    # It is on the public page at once.
    day_text = f'<time datetime="{day.isoformat()}">'
    assert day_text in coord.get(reverse("public:schedule")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "²"}, "Saisissez une date valide"),
        ({"date": "٢٠٢٦-٠٦-١٥"}, "Saisissez une date valide"),
        ({"date": "2026-02-30"}, "Saisissez une date valide"),
        ({"date": "31/02/2026"}, "Saisissez une date valide"),
        ({"date": ""}, "Ce champ est obligatoire"),
        ({"date": "2999-01-01"}, "Choisissez une date entre"),
        ({"start_time": "²"}, "Saisissez une heure valide"),
        ({"start_time": "١٨:٠٠"}, "Saisissez une heure valide"),
        ({"start_time": "25:00"}, "Saisissez une heure valide"),
        ({"start_time": "20:00", "end_time": "18:00"}, "L'heure de fin doit être après l'heure de début"),
        ({"start_time": "18:00", "end_time": "18:00"}, "L'heure de fin doit être après l'heure de début"),
        ({"venue": "²"}, "Ce lieu n'existe pas ou n'est plus actif"),
        ({"venue": "999999"}, "Ce lieu n'existe pas ou n'est plus actif"),
        ({"counsellors": ["²"]}, "Ce conseiller n'existe pas"),
        ({"counsellors": ["999999"]}, "Ce conseiller n'existe pas"),
        ({"token": "²"}, "Formulaire expiré : rechargez la page."),
        ({"token": ""}, "Formulaire expiré"),
    ],
)
def test_bad_input_in_the_add_form_is_refused_in_french(coord, venue, today, data, message):
    form = add_form(coord, venue, date=(today + WEEK).isoformat())
    response = coord.post(ADD, {**form, **data})
    assert response.status_code == 400
    assert message in text(response)
    assert not Permanence.objects.exists() and not FormSubmission.objects.exists()


def test_an_exceptional_session_in_the_past_or_at_a_taken_hour_is_refused(coord, venue, today):
    response = coord.post(ADD, add_form(coord, venue, date=(today - datetime.timedelta(days=1)).isoformat()))
    assert response.status_code == 400 and "aujourd'hui ou un jour à venir" in text(response)
    taken = make_permanence(venue, today + WEEK, status=PermanenceStatus.PLANNED, start="18:00", end="19:00")
    response = coord.post(ADD, add_form(coord, venue, date=taken.date.isoformat()))
    assert response.status_code == 400 and "commence déjà à cette heure" in text(response)
    assert list(Permanence.objects.all()) == [taken] and not FormSubmission.objects.exists()


def test_the_add_page_takes_a_constant_number_of_queries(
    coord, venue, other_venue, counsellor, django_assert_num_queries
):
    # session, user, roles; the venue asked; the venues and the counsellors offered.
    with django_assert_num_queries(6):
        assert coord.get(ADD, {"lieu": venue.pk}).status_code == 200


# --- moving a session, assigning its counsellors ------------------------------


def edit_form(coord, session, **data):
    page = coord.get(edit_url(session))
    assert page.status_code == 200
    return {
        "state": hidden(page, "state"),
        "date": session.date.isoformat(),
        "start_time": session.start_time.strftime("%H:%M"),
        "end_time": session.end_time.strftime("%H:%M"),
        "counsellors": [u.pk for u in session.counsellors.all()],
        **data,
    }


@pytest.fixture
def planned(venue, today, counsellor):
    """The coming weeks planned from a Monday slot of the venue, with the counsellor."""
    slot = WeeklySlot.objects.create(
        venue=venue,
        weekday=0,
        start_time=T("09:30"),
        end_time=T("12:30"),
        valid_from=datetime.date(2015, 1, 1),
    )
    slot.counsellors.add(counsellor)
    permanences_generate(**dict(zip(("start", "end"), planning_horizon(today, 8), strict=True)))
    return Permanence.objects.filter(slot=slot).order_by("date")


def test_a_session_is_moved_through_the_form_and_never_planned_again_at_its_old_day(coord, planned, today):
    session = planned[1]
    old_day = session.date
    new_day = old_day + datetime.timedelta(days=1)
    response = coord.post(
        edit_url(session),
        edit_form(coord, session, date=new_day.isoformat(), start_time="14:00", end_time="17:00"),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.date, session.start_time, session.end_time, session.slot_date) == (
        new_day,
        T("14:00"),
        T("17:00"),
        old_day,
    )
    assert session.changed_by_hand_at is not None
    coord.post(reverse("permanences:planning_generate"), {"semaine": today.isoformat()})
    assert not Permanence.objects.filter(date=old_day).exists()
    public = coord.get(reverse("public:schedule")).content.decode()
    assert f'<time datetime="{new_day.isoformat()}">' in public
    assert f'<time datetime="{old_day.isoformat()}">' not in public
    planning = text(coord.get(PLANNING, {"semaine": new_day.isoformat()}))
    assert "déplacée (prévue le" in planning


def test_counsellors_are_assigned_through_the_form(coord, planned, counsellor, coordinator):
    session = planned[0]
    response = coord.post(
        edit_url(session), edit_form(coord, session, counsellors=[coordinator.pk, counsellor.pk])
    )
    assert response.status_code == 302
    assert set(session.counsellors.all()) == {counsellor, coordinator}
    response = coord.post(edit_url(session), edit_form(coord, session, counsellors=[]))
    assert response.status_code == 302 and not session.counsellors.exists()
    session.refresh_from_db()
    assert session.date == planned[0].date and session.changed_by_hand_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "²"}, "Saisissez une date valide"),
        ({"date": "2026-02-30"}, "Saisissez une date valide"),
        ({"date": "1989-12-31"}, "Choisissez une date entre"),
        ({"start_time": "²"}, "Saisissez une heure valide"),
        ({"end_time": "09:00"}, "L'heure de fin doit être après l'heure de début"),
        ({"counsellors": ["١"]}, "Ce conseiller n'existe pas"),
        ({"state": ""}, "Formulaire expiré"),
        ({"state": "x" * 65}, "au plus 64 caractères"),
    ],
)
def test_bad_input_in_the_move_form_is_refused_in_french(coord, planned, data, message):
    session = planned[0]
    before = snapshot()
    response = coord.post(edit_url(session), edit_form(coord, session, **data))
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_a_planned_session_cannot_move_to_a_past_day(coord, planned, today):
    session = planned[0]
    before = snapshot()
    response = coord.post(edit_url(session), edit_form(coord, session, date=(today - WEEK).isoformat()))
    assert response.status_code == 400 and "ne peut pas être déplacée à un jour passé" in text(response)
    assert snapshot() == before


def test_a_session_with_visits_cannot_move_to_a_coming_day_as_the_page_says(coord, venue, today):
    session = make_permanence(venue, today)
    make_visit(make_person(), session)
    form = edit_form(coord, session, date=(today + datetime.timedelta(days=1)).isoformat())
    assert "Une permanence où des rendez-vous ont été notés ne peut pas être déplacée à un jour à venir." in (
        text(coord.get(edit_url(session)))
    )
    before = snapshot()
    response = coord.post(edit_url(session), form)
    assert response.status_code == 400 and "ne peut pas être déplacée à un jour à venir" in text(response)
    assert snapshot() == before


def test_a_move_onto_a_taken_hour_is_refused(coord, planned):
    first, second = planned[0], planned[1]
    before = snapshot()
    response = coord.post(edit_url(second), edit_form(coord, second, date=first.date.isoformat()))
    assert response.status_code == 400 and "commence déjà à cette heure" in text(response)
    assert snapshot() == before


def test_a_concurrent_change_is_shown_and_nothing_is_overwritten(
    coord, planned, client, coordinator, counsellor
):
    session = planned[0]
    mine = edit_form(coord, session, start_time="10:00", end_time="12:00")
    # Meanwhile, someone else moves it to the afternoon, with nobody assigned.
    theirs = edit_form(coord, session, start_time="14:00", end_time="17:00", counsellors=[])
    assert coord.post(edit_url(session), theirs).status_code == 302
    response = coord.post(edit_url(session), mine)
    assert response.status_code == 409
    page = text(response)
    assert "modifiée par quelqu'un d'autre pendant votre saisie : rien n'a été enregistré" in page
    assert "14h00–17h00" in page and "sans conseiller" in page  # as it is now
    assert "10h00–12h00" in page  # what was typed, to retype
    session.refresh_from_db()
    assert (session.start_time, session.end_time) == (T("14:00"), T("17:00"))
    assert not session.counsellors.exists()
    # The form shown with the conflict carries the current version: it saves.
    retry = {**mine, "state": hidden(response, "state")}
    assert coord.post(edit_url(session), retry).status_code == 302
    session.refresh_from_db()
    assert (session.start_time, session.end_time) == (T("10:00"), T("12:00"))


def test_the_move_page_takes_a_constant_number_of_queries(
    coord, planned, coordinator, django_assert_num_queries
):
    session = planned[0]
    session.counsellors.add(coordinator)
    # session, user, roles; the session with venue and quarter; its counsellors;
    # the counsellors offered.
    with django_assert_num_queries(6):
        assert coord.get(edit_url(session)).status_code == 200


# --- cancelling with a public reason ------------------------------------------


def test_a_coming_session_is_cancelled_with_a_public_reason_through_the_form(coord, planned):
    session = planned[2]
    page = coord.get(cancel_url(session))
    response = coord.post(
        cancel_url(session), {"state": hidden(page, "state"), "reason": "Centre social fermé (travaux)"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == (
        PermanenceStatus.CANCELLED,
        "Centre social fermé (travaux)",
    )
    assert session.changed_by_hand_at is not None
    public = text(coord.get(reverse("public:schedule")))
    assert "Centre social fermé (travaux)" in public


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Ce champ est obligatoire"),
        ({"reason": "   "}, "Ce champ est obligatoire"),
        ({"reason": "x" * 256}, "au plus 255 caractères"),
        ({"reason": "Fermé\x00"}, "Le caractère nul n’est pas autorisé"),
        ({"state": ""}, "Formulaire expiré"),
    ],
)
def test_bad_input_in_the_cancel_form_is_refused_in_french(coord, planned, data, message):
    session = planned[0]
    page = coord.get(cancel_url(session))
    before = snapshot()
    response = coord.post(cancel_url(session), {"state": hidden(page, "state"), "reason": "Fermé", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


def test_a_session_with_visits_cannot_be_cancelled(coord, venue, today):
    session = make_permanence(venue, today)
    make_visit(make_person(), session)
    page = coord.get(cancel_url(session))
    response = coord.post(cancel_url(session), {"state": hidden(page, "state"), "reason": "Erreur"})
    assert response.status_code == 400
    assert "Des rendez-vous sont enregistrés dans cette permanence : elle ne peut pas être annulée" in text(
        response
    )
    session.refresh_from_db()
    assert session.status == PermanenceStatus.HELD


def test_a_cancellation_on_a_session_changed_meanwhile_is_refused(coord, planned):
    session = planned[0]
    page = coord.get(cancel_url(session))
    coord.post(edit_url(session), edit_form(coord, session, start_time="14:00", end_time="17:00"))
    before = snapshot()
    response = coord.post(cancel_url(session), {"state": hidden(page, "state"), "reason": "Fermé"})
    assert response.status_code == 409
    page = text(response)
    assert "rien n'a été enregistré" in page and "motif « Fermé »" in page
    assert snapshot() == before


def test_the_cancel_page_takes_a_constant_number_of_queries(coord, planned, django_assert_num_queries):
    url = cancel_url(planned[0])
    # session, user, roles; the session with venue and quarter; its counsellors (the form's state).
    with django_assert_num_queries(5):
        assert coord.get(url).status_code == 200


# --- who may plan -------------------------------------------------------------


@pytest.mark.parametrize("role", ["counsellor", "city", "outsider"])
def test_only_coordination_plans(client, request, role, planned, venue, today):
    client.force_login(request.getfixturevalue(role))
    session = planned[0]
    before = snapshot()
    assert client.get(PLANNING).status_code == 403
    assert client.post(reverse("permanences:planning_generate")).status_code == 403
    assert (
        client.post(
            ADD, {"venue": venue.pk, "date": today.isoformat(), "start_time": "18:00", "end_time": "19:00"}
        ).status_code
        == 403
    )
    assert client.post(edit_url(session), {"date": today.isoformat()}).status_code == 403
    assert client.post(cancel_url(session), {"reason": "Fermé"}).status_code == 403
    assert client.post(reverse("permanences:close", args=[session.pk]), {"status": "held"}).status_code == 403
    assert snapshot() == before

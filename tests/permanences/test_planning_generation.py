"""The planning of the coming weeks from the weekly slots (permanences_generate,
manage.py plan_permanences): idempotent, and never touching a session changed by hand."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from beneficiaries.appointment_services import appointment_book
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, WeeklySlot
from permanences.services import (
    permanence_add,
    permanence_cancel,
    permanence_update,
    permanences_generate,
    planning_horizon,
    session_state,
)

from ..factories import make_person, make_visit

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat
WEEK = datetime.timedelta(weeks=1)


@pytest.fixture
def slots(venue, quarter, today, counsellor, coordinator):
    """Two slots at the venue: tomorrow's weekday (the counsellor) and the day after's (coordination)."""
    made = []
    for offset, user in ((1, counsellor), (2, coordinator)):
        slot = WeeklySlot.objects.create(
            venue=venue,
            weekday=(today + datetime.timedelta(days=offset)).weekday(),
            start_time=T("09:30"),
            end_time=T("12:30"),
            valid_from=datetime.date(2015, 1, 1),
        )
        slot.counsellors.add(user)
        made.append(slot)
    return made


def rows():
    """Every session as the database holds it, counsellors included."""
    return sorted(
        (
            p.pk,
            p.venue_id,
            p.date,
            p.start_time,
            p.end_time,
            p.status,
            p.cancel_reason,
            p.slot_id,
            p.slot_date,
            p.changed_by_hand_at,
            p.updated_at,
            tuple(sorted(u.pk for u in p.counsellors.all())),
        )
        for p in Permanence.objects.prefetch_related("counsellors")
    )


def horizon(today, weeks=8):
    start, end = planning_horizon(today, weeks)
    return {"start": start, "end": end}


def test_it_plans_every_slot_day_of_the_horizon_with_the_slots_counsellors(slots, today, counsellor):
    result = permanences_generate(**horizon(today))
    assert result.created == 16
    sessions = Permanence.objects.order_by("date")
    assert sessions.count() == 16
    assert sessions.first().date == today + datetime.timedelta(days=1)
    assert sessions.last().date == today + datetime.timedelta(days=2) + 7 * WEEK
    tomorrow = sessions.get(date=today + datetime.timedelta(days=1))
    assert (tomorrow.slot, tomorrow.slot_date, tomorrow.status) == (slots[0], tomorrow.date, "planned")
    assert tomorrow.changed_by_hand_at is None
    assert list(tomorrow.counsellors.all()) == [counsellor]


def test_running_it_twice_gives_exactly_the_same_rows(slots, today):
    permanences_generate(**horizon(today))
    before = rows()
    again = permanences_generate(**horizon(today))
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert rows() == before


def test_a_moved_session_is_left_alone_and_not_recreated_at_its_slot_day(slots, today, coordinator):
    permanences_generate(**horizon(today))
    session = Permanence.objects.get(date=today + datetime.timedelta(days=1))
    slot_day = session.date
    permanence_update(
        permanence=session,
        expected_state=session_state(session),
        day=slot_day + datetime.timedelta(days=3),
        start_time=T("14:00"),
        end_time=T("16:00"),
        counsellors=[coordinator],
    )
    # The slot itself changes too: the moved session does not follow it.
    slots[0].start_time = T("10:00")
    slots[0].save()
    slots[0].counsellors.set([])
    before = {p.pk for p in Permanence.objects.all()}
    permanences_generate(**horizon(today))
    session.refresh_from_db()
    assert (session.date, session.start_time, session.end_time) == (
        slot_day + datetime.timedelta(days=3),
        T("14:00"),
        T("16:00"),
    )
    assert list(session.counsellors.all()) == [coordinator]
    assert not Permanence.objects.filter(date=slot_day).exists()
    assert {p.pk for p in Permanence.objects.all()} == before


def test_a_cancelled_session_stays_cancelled_and_keeps_its_reason(slots, today):
    permanences_generate(**horizon(today))
    session = Permanence.objects.get(date=today + datetime.timedelta(days=2))
    permanence_cancel(permanence=session, reason="Centre fermé (travaux)")
    slots[1].end_time = T("13:00")
    slots[1].save()
    permanences_generate(**horizon(today))
    session.refresh_from_db()
    assert (session.status, session.cancel_reason, session.end_time) == (
        PermanenceStatus.CANCELLED,
        "Centre fermé (travaux)",
        T("12:30"),
    )
    assert Permanence.objects.filter(date=session.date).count() == 1


def test_counsellors_assigned_by_hand_are_kept_when_the_slot_changes(slots, today, counsellor, coordinator):
    permanences_generate(**horizon(today))
    assigned = Permanence.objects.get(date=today + datetime.timedelta(days=1))
    untouched = Permanence.objects.get(date=today + datetime.timedelta(days=1) + WEEK)
    permanence_update(
        permanence=assigned,
        expected_state=session_state(assigned),
        day=assigned.date,
        start_time=assigned.start_time,
        end_time=assigned.end_time,
        counsellors=[counsellor, coordinator],
    )
    slots[0].counsellors.set([coordinator])
    result = permanences_generate(**horizon(today))
    assert set(assigned.counsellors.all()) == {counsellor, coordinator}
    assert list(untouched.counsellors.all()) == [coordinator]  # not changed by hand: follows its slot
    assert result.updated == 8 - 1 and result.by_hand == 1


def test_untouched_sessions_follow_their_slots_hours_and_go_when_it_ends(slots, today):
    permanences_generate(**horizon(today))
    slots[0].start_time, slots[0].end_time = T("14:00"), T("17:00")
    slots[0].save()
    result = permanences_generate(**horizon(today))
    assert result.updated == 8
    assert set(Permanence.objects.filter(slot=slots[0]).values_list("start_time", flat=True)) == {T("14:00")}
    # The slot ends in three weeks: the untouched sessions after are withdrawn.
    slots[0].valid_until = today + 3 * WEEK
    slots[0].save()
    result = permanences_generate(**horizon(today))
    assert result.removed == 5
    assert Permanence.objects.filter(slot=slots[0]).count() == 3


def test_held_sessions_and_sessions_added_by_hand_are_never_removed(slots, today, venue, counsellor):
    permanences_generate(**horizon(today))
    held = Permanence.objects.get(date=today + datetime.timedelta(days=1))
    Permanence.objects.filter(pk=held.pk).update(date=today, slot_date=today, status=PermanenceStatus.HELD)
    make_visit(make_person(), held)
    extra = permanence_add(
        venue=venue,
        day=today + 2 * WEEK,
        start_time=T("18:00"),
        end_time=T("20:00"),
        counsellors=[counsellor],
    )
    WeeklySlot.objects.all().delete()
    result = permanences_generate(**horizon(today))
    assert result.removed == 15
    assert set(Permanence.objects.values_list("pk", flat=True)) == {held.pk, extra.pk}


def test_the_horizon_is_the_planning_weeks_setting(slots, today, settings):
    assert settings.PLANNING_WEEKS == 8  # the default
    settings.PLANNING_WEEKS = 3
    out = io.StringIO()
    call_command("plan_permanences", stdout=out)
    last = Permanence.objects.order_by("-date").first().date
    assert last <= today + 3 * WEEK - datetime.timedelta(days=1)
    assert Permanence.objects.count() == 6
    end = today + 3 * WEEK - datetime.timedelta(days=1)
    assert f"au {end:%d/%m/%Y} : 6 créée(s)" in out.getvalue()


def test_the_command_is_idempotent_and_says_what_it_left(slots, today):
    out = io.StringIO()
    call_command("plan_permanences", stdout=out)
    assert "16 créée(s), 0 mise(s) à jour, 0 retirée(s)" in out.getvalue()
    session = Permanence.objects.order_by("date").first()
    permanence_cancel(permanence=session, reason="Fermé")
    before = rows()
    out = io.StringIO()
    call_command("plan_permanences", stdout=out)
    assert "0 créée(s), 0 mise(s) à jour, 0 retirée(s) ; 1 modifiée(s) à la main" in out.getvalue()
    assert rows() == before


def test_the_command_keeps_a_stale_session_with_an_appointment_and_says_so(slots, today, counsellor):
    call_command("plan_permanences", stdout=io.StringIO())
    booked = Permanence.objects.filter(slot=slots[0]).order_by("date").first()
    appointment_book(
        beneficiary=make_person(), permanence=booked, time=T("10:00"), purpose="Suivi", user=counsellor
    )
    slots[0].delete()
    out = io.StringIO()
    call_command("plan_permanences", stdout=out)
    assert "0 créée(s), 0 mise(s) à jour, 7 retirée(s)" in out.getvalue()
    assert out.getvalue().splitlines()[-1] == (
        "1 permanence(s) ne correspondent plus à leur créneau mais des rendez-vous y sont liés : "
        "à revoir sur la page Planning."
    )
    assert Permanence.objects.filter(pk=booked.pk, status=PermanenceStatus.PLANNED).exists()
    assert Permanence.objects.filter(date__in=[booked.date + n * WEEK for n in range(1, 8)]).count() == 0


@pytest.mark.parametrize("weeks", [0, -1, 53])
def test_the_command_refuses_a_number_of_weeks_out_of_range(slots, weeks):
    with pytest.raises(CommandError, match="Le nombre de semaines doit aller de 1 à 52"):
        call_command("plan_permanences", weeks=weeks, stdout=io.StringIO())
    assert not Permanence.objects.exists()


def test_the_command_plans_the_weeks_asked(slots, today):
    call_command("plan_permanences", weeks=2, stdout=io.StringIO())
    assert Permanence.objects.count() == 4


def test_it_plans_in_constant_queries(slots, today, venue, django_assert_num_queries):
    permanences_generate(**horizon(today, 2))
    # savepoint; refresh: slots, their counsellors, the untouched sessions
    # (locked), their counsellors, sessions changed by hand; plan: savepoint,
    # slots, their counsellors, existing sessions, insert, created sessions,
    # counsellor links, release; release.
    with django_assert_num_queries(15):
        permanences_generate(**horizon(today, 8))
    with django_assert_num_queries(15):
        permanences_generate(**horizon(today, 20))


def test_a_slot_changed_in_the_admin_reaches_the_coming_sessions_at_once(client, admin_user, slots, today):
    permanences_generate(**horizon(today))
    slot = slots[0]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:permanences_weeklyslot_change", args=[slot.pk]),
        {
            "venue": slot.venue_id,
            "weekday": slot.weekday,
            "start_time": "10:00",
            "end_time": "12:00",
            "valid_from": "01/01/2015",
            "valid_until": "",
            "counsellors": [u.pk for u in slot.counsellors.all()],
        },
        follow=True,
    )
    assert "8 modifiée(s)" in response.content.decode()
    assert set(Permanence.objects.filter(slot=slot).values_list("start_time", flat=True)) == {T("10:00")}


def test_a_session_changed_in_the_admin_is_left_alone(client, admin_user, slots, today, coordinator):
    permanences_generate(**horizon(today))
    session = Permanence.objects.get(date=today + datetime.timedelta(days=1))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:permanences_permanence_change", args=[session.pk]),
        {
            "venue": session.venue_id,
            "date": session.date.strftime("%d/%m/%Y"),
            "start_time": "09:30",
            "end_time": "12:30",
            "status": "planned",
            "cancel_reason": "",
            "counsellors": [coordinator.pk],
            "slot": session.slot_id,
        },
    )
    assert response.status_code == 302
    slots[0].end_time = T("13:00")
    slots[0].save()
    slots[0].counsellors.set([])
    permanences_generate(**horizon(today))
    session.refresh_from_db()
    assert session.changed_by_hand_at is not None and session.end_time == T("12:30")
    assert list(session.counsellors.all()) == [coordinator]

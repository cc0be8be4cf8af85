"""À relancer: the three rules at their boundaries, and one-click results."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.enums import Partner, ReferralStatus
from beneficiaries.models import Beneficiary, Referral, Visit

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def referral(person, proposed_on, status=ReferralStatus.PROPOSED):
    return Referral.objects.create(
        beneficiary=person,
        partner=Partner.FRANCE_TRAVAIL,
        proposed_on=proposed_on,
        status=status,
        checked_on=proposed_on if status != ReferralStatus.PROPOSED else None,
    )


def test_referrals_proposed_more_than_15_days_ago_without_result(today):
    person = make_person()
    old = referral(person, today - 16 * DAY)
    referral(person, today - 15 * DAY)  # not yet
    referral(person, today - 40 * DAY, ReferralStatus.DONE)
    referral(person, today - 40 * DAY, ReferralStatus.NOT_TAKEN_UP)
    assert list(Referral.objects.awaiting_result(today)) == [old]


def test_next_steps_due(venue, today):
    person = make_person()
    due_today = make_visit(
        person, make_permanence(venue, today - 10 * DAY), next_step="CV", next_step_due=today
    )
    make_visit(person, make_permanence(venue, today - 9 * DAY), next_step="Lettre", next_step_due=today + DAY)
    make_visit(
        person,
        make_permanence(venue, today - 8 * DAY),
        next_step="Fait",
        next_step_due=today - DAY,
        next_step_done_on=today,
    )
    assert list(Visit.objects.next_steps_due(today)) == [due_today]


def test_open_referral_not_seen_for_three_months(venue, today):
    cutoff = today - datetime.timedelta(days=90)
    unseen = make_person("Absente", "Depuis")
    make_visit(unseen, make_permanence(venue, cutoff - DAY))
    referral(unseen, cutoff - DAY)
    seen = make_person("Revue", "Récemment")
    make_visit(seen, make_permanence(venue, cutoff - DAY, start="14:00", end="17:00"))
    make_visit(seen, make_permanence(venue, cutoff))
    referral(seen, cutoff - DAY)
    closed = make_person("Orientation", "Close")
    make_visit(closed, make_permanence(venue, cutoff - 2 * DAY))
    referral(closed, cutoff - 2 * DAY, ReferralStatus.DONE)
    assert list(Beneficiary.objects.with_open_referral_unseen_since(cutoff)) == [unseen]


def test_the_page_lists_them_and_one_click_records_a_result(client, counsellor, venue, today):
    person = make_person()
    waiting = referral(person, today - 20 * DAY)
    client.force_login(counsellor)
    page = reverse("beneficiaries:followups")
    html = client.get(page).content.decode()
    assert person.ref in html and "Réalisée" in html
    response = client.post(
        reverse("beneficiaries:referral_status", args=[waiting.pk]), {"status": "not_taken_up", "next": page}
    )
    assert response.status_code == 302 and response.url == page
    waiting.refresh_from_db()
    assert waiting.status == ReferralStatus.NOT_TAKEN_UP and waiting.checked_on == today
    assert person.ref not in client.get(page).content.decode()


def test_a_tampered_status_or_an_outside_next_changes_nothing(client, counsellor, today):
    waiting = referral(make_person(), today - 20 * DAY)
    client.force_login(counsellor)
    url = reverse("beneficiaries:referral_status", args=[waiting.pk])
    response = client.post(url, {"status": "proposed"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == ReferralStatus.PROPOSED
    response = client.post(url, {"status": "done", "next": "https://evil.example/"})
    assert response.url == reverse("beneficiaries:detail", args=[waiting.beneficiary_id])


def test_one_click_marks_a_next_step_done(client, counsellor, venue, today):
    visit = make_visit(
        make_person(), make_permanence(venue, today - 10 * DAY), next_step="CV", next_step_due=today
    )
    client.force_login(counsellor)
    client.post(reverse("beneficiaries:next_step_done", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.next_step_done_on == today

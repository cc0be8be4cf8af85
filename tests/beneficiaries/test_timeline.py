"""The file tells one story: visits with their referrals, referrals outside a visit,
outcomes, follow-up appointments, the notice given, merges — newest first,
filterable by kind, paginated, in a number of queries that does not grow."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.data_services import beneficiary_merge
from beneficiaries.enums import OutcomeKind, Partner, ReferralChannel
from beneficiaries.models import Appointment, Outcome, Referral, WorkshopRegistration
from permanences.enums import PermanenceStatus

from ..factories import make_permanence, make_person, make_visit, make_workshop
from .files import page_text

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
DAY = datetime.timedelta(days=1)


def story(person, venue, today, coordinator, *, copies: int = 1):
    """Every kind of entry, `copies` times (each copy a week earlier)."""
    for n in range(copies):
        week = datetime.timedelta(weeks=n)
        visit = make_visit(person, make_permanence(venue, today - 30 * DAY - week), notes=f"Visite {n}")
        Referral.objects.create(
            beneficiary=person, visit=visit, partner=Partner.PLIE, proposed_on=visit.date, detail=f"PLIE {n}"
        )
        Referral.objects.create(
            beneficiary=person,
            partner=Partner.CAP_EMPLOI,
            channel=ReferralChannel.PHONE,
            proposed_on=today - 20 * DAY - week,
        )
        Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDD, start_date=today - 10 * DAY - week)
        missed = make_permanence(venue, today - 25 * DAY - week)
        Appointment.objects.create(beneficiary=person, permanence=missed, time="10:00", purpose=f"Manqué {n}")
        honoured = visit.permanence
        Appointment.objects.create(
            beneficiary=person, permanence=honoured, time="10:00", purpose=f"Honoré {n}"
        )
        coming = make_permanence(venue, today + 5 * DAY + week, status=PermanenceStatus.PLANNED)
        Appointment.objects.create(
            beneficiary=person, permanence=coming, time="10:00", purpose=f"À venir {n}"
        )


@pytest.fixture
def file(venue, today, coordinator):
    person = make_person(notice_given_on=today - 40 * DAY)
    story(person, venue, today, coordinator)
    workshop = make_workshop(venue, today - 15 * DAY)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person, attendance="present")
    twin = make_person("Martin", "Elodie")
    beneficiary_merge(kept=person, removed=twin, user=coordinator)
    person.refresh_from_db()
    return person


def detail(client, person, **params):
    return page_text(client.get(reverse("beneficiaries:detail", args=[person.pk]), params))


def test_the_file_tells_one_story_newest_first(logged, file, today):
    text = detail(logged, file)
    order = [
        "À venir 0",  # a coming appointment: first of all
        "Fusion de dossiers",  # today
        "Sortie —",  # 10 days ago
        "Atelier collectif —",  # 15 days ago, present
        "Orientation hors rendez-vous —",  # 20 days ago, by phone
        "Manqué 0",  # 25 days ago
        "Visite 0",  # 30 days ago, with its referral and the appointment it honoured
        "Notice d'information remise —",  # 40 days ago
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    assert "PLIE 0" in text and "Honoré Honoré 0" in text and "(par téléphone)" in text
    assert "Manqué Manqué 0" in text and "À venir À venir 0" in text  # each with its state
    assert "fusionné dans ce dossier" in text


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        ("rendez-vous", "Visite 0", "Sortie —"),
        ("orientations", "Orientation hors rendez-vous —", "Visite 0"),
        ("sorties", "Sortie —", "Visite 0"),
        ("suivis", "Manqué 0", "Sortie —"),
        ("notice", "Notice d'information remise", "Sortie —"),
        ("fusions", "Fusion de dossiers", "Sortie —"),
        ("ateliers", "Atelier collectif —", "Sortie —"),
    ],
)
def test_the_story_filters_by_kind(logged, file, kind, shown, hidden):
    text = detail(logged, file, type=kind)
    assert shown in text and hidden not in text


@pytest.mark.parametrize("params", [{"type": "inconnu"}, {"page": "²"}, {"page": "999"}, {"type": "x" * 500}])
def test_an_unknown_filter_or_page_shows_the_story_not_an_error(logged, file, params):
    response = logged.get(reverse("beneficiaries:detail", args=[file.pk]), params)
    assert response.status_code == 200 and "Parcours" in page_text(response)


def test_a_long_story_is_paginated_in_a_constant_number_of_queries(
    logged, venue, today, coordinator, django_assert_num_queries
):
    small, large = make_person("Petit"), make_person("Grand")
    story(small, venue, today, coordinator)
    other = type(venue).objects.create(name="Autre lieu", quarter=venue.quarter)
    story(large, other, today, coordinator, copies=6)
    # session, user, roles, the file, its read in the trail, today's sessions, the
    # workshops open for registration; the page's keys and their count; visits
    # (topics, referrals), referrals, outcomes, appointments; the correction rights
    with django_assert_num_queries(15):
        detail(logged, small)
    url = reverse("beneficiaries:detail", args=[large.pk])
    with django_assert_num_queries(15):
        first = logged.get(url)
    # 36 entries (6 copies of 6), 20 per page as the README says.
    assert len(first.context["page"].object_list) == 20
    assert "Page 1 sur 2" in page_text(first)
    second = logged.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 16 and "Page 2 sur 2" in page_text(second)


def test_an_anonymised_file_shows_its_story_without_actions(client, coordinator, file):
    from beneficiaries.enums import AnonymisationReason
    from beneficiaries.services import beneficiary_anonymise

    beneficiary_anonymise(beneficiary=file, reason=AnonymisationReason.ERASURE_REQUEST)
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:detail", args=[file.pk])).content.decode()
    assert "Parcours" in html
    assert reverse("beneficiaries:appointment_cancel", args=[Appointment.objects.first().pk]) not in html
    assert "Corriger" not in html and "Réalisée" not in html

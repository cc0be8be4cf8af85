"""The messages page (coordination only): counts per channel and per day, the list
with its filters, paginated in a constant number of queries; and each file's
messages in its timeline."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.enums import AnonymisationReason
from beneficiaries.services import beneficiary_anonymise
from messaging.enums import Channel, Kind, Status
from messaging.summary import DAYS_SHOWN
from messaging.views import PAGE_SIZE

from ..beneficiaries.files import page_text
from ..factories import make_person
from .helpers import make_message, moment

pytestmark = pytest.mark.django_db

URL = reverse("messaging:list")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def sent(today):
    """Three persons' messages over two days, of every outcome."""
    ines, omar, lea = make_person("Lefort", "Inès"), make_person("Benali", "Omar"), make_person("Roux", "Léa")
    yesterday = moment(today - DAY)
    return {
        "reminder": make_message(ines, at=yesterday, body="Bonjour Inès, rendez-vous demain à 9h30."),
        "failed": make_message(omar, at=yesterday, status=Status.FAILED, last_error="Numéro refusé"),
        "email": make_message(
            lea,
            channel=Channel.EMAIL,
            kind=Kind.ONE_OFF,
            at=moment(today),
            body="Votre attestation est prête.",
        ),
        "queued": make_message(omar, kind=Kind.SESSION_CANCELLED, status=Status.QUEUED, at=moment(today)),
        "cancelled": make_message(ines, status=Status.CANCELLED, at=moment(today)),
    }


def test_coordination_sees_each_message_with_the_person_linked_and_its_text(coord, sent):
    response = coord.get(URL)
    html, text = response.content.decode(), page_text(response)
    assert response.status_code == 200
    assert "5 messages." in text
    for message in sent.values():
        assert reverse("beneficiaries:detail", args=[message.beneficiary_id]) in html
    assert "LEFORT Inès" in text and "Bonjour Inès, rendez-vous demain à 9h30." in text
    assert "Votre attestation est prête." in text and "Numéro refusé" in text
    for label in (
        "Envoyé",
        "Échec",
        "En attente",
        "Non envoyé",
        "Message d'un conseiller",
        "Permanence annulée",
    ):
        assert label in text


def test_counts_per_channel_and_day(coord, sent, today):
    text = page_text(coord.get(URL))
    # SMS: waiting, sent, failed, not sent; then e-mail the same.
    assert "Total 1 1 1 1 0 1 0 0" in text
    assert f"{today:%d/%m/%Y} 1 0 0 1 0 1 0 0" in text
    assert f"{today - DAY:%d/%m/%Y} 0 1 1 0 0 0 0 0" in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"channel": "email"}, ["attestation"], ["Numéro refusé"]),
        ({"status": "failed"}, ["Numéro refusé"], ["attestation"]),
        ({"kind": "one_off"}, ["attestation"], ["Numéro refusé"]),
        ({"date_from": "TODAY"}, ["attestation"], ["Numéro refusé"]),
        ({"date_until": "YESTERDAY"}, ["Numéro refusé"], ["attestation"]),
    ],
)
def test_the_filters(coord, sent, today, query, shown, hidden):
    days = {"TODAY": f"{today:%d/%m/%Y}", "YESTERDAY": f"{today - DAY:%d/%m/%Y}"}
    text = page_text(coord.get(URL, {k: days.get(v, v) for k, v in query.items()}))
    assert all(s in text for s in shown) and not any(h in text for h in hidden)


@pytest.mark.parametrize(
    "query", [{"channel": "fax"}, {"status": "x" * 300}, {"date_from": "31/02/2026"}, {"page": "²"}]
)
def test_bad_filters_say_so_in_french_never_an_error(coord, sent, query):
    response = coord.get(URL, query)
    assert response.status_code == 200
    text = page_text(response)
    assert "Choix inconnu" in text or "Date invalide" in text or "page" in query


def test_the_htmx_filter_returns_the_results_only(coord, sent):
    response = coord.get(URL, {"channel": "sms"}, headers={"HX-Request": "true"})
    assert "<h1" not in response.content.decode() and "Numéro refusé" in page_text(response)


def test_paginated_in_a_constant_number_of_queries(coord, today, django_assert_num_queries):
    people = [make_person(f"Nom{n}", "Prénom") for n in range(3)]
    for person in people:
        make_message(person)
    # session, user, roles; the page's count and rows (with their person); the counts per
    # day, channel and status; the list shown in the trail (audit insert)
    with django_assert_num_queries(7):
        assert coord.get(URL).status_code == 200
    for n in range(PAGE_SIZE + 5):
        make_message(people[n % 3], at=moment(today - n * DAY), channel=Channel.EMAIL)
    with django_assert_num_queries(7):
        text = page_text(coord.get(URL))
    assert "Page 1 sur 2" in text
    assert "Page 2 sur 2" in page_text(coord.get(URL, {"page": 2}))


def test_an_anonymised_file_is_named_by_its_reference_and_its_texts_are_gone(coord, sent):
    person = sent["reminder"].beneficiary
    waiting = make_message(person, status=Status.QUEUED, body="Bonjour Inès, à demain.")
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    person.refresh_from_db()
    text = page_text(coord.get(URL))
    assert f"Dossier anonymisé {person.ref}" in text and "LEFORT" not in text
    assert "Inès" not in text  # the texts that named her are emptied
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED and waiting.body == ""  # it will never leave


@pytest.mark.parametrize("role", ["counsellor", "city", "admin_user"])
def test_nobody_else_opens_the_messages_page(client, request, sent, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 403
    assert "LEFORT" not in response.content.decode()


def test_the_page_is_listed_in_the_trail_by_number_only(coord, sent):
    from audit.models import AuditEntry

    coord.get(URL)
    entry = AuditEntry.objects.filter(detail__startswith="messages aux personnes").get()
    assert entry.detail == "messages aux personnes : 3 dossiers affichés"


# --- the file's timeline -----------------------------------------------------------


def test_the_file_shows_its_messages_with_their_text(logged, sent):
    person = sent["reminder"].beneficiary
    text = page_text(logged.get(reverse("beneficiaries:detail", args=[person.pk])))
    assert "Message à la personne" in text
    assert "SMS · Rappel de rendez-vous de suivi · Envoyé" in text
    assert "Bonjour Inès, rendez-vous demain à 9h30." in text
    assert "SMS · Rappel de rendez-vous de suivi · Non envoyé" in text
    assert "attestation" not in text  # another person's


def test_the_timeline_filters_on_messages(logged, sent):
    from beneficiaries.models import Outcome

    person = sent["reminder"].beneficiary
    Outcome.objects.create(beneficiary=person, kind="cdi", start_date=datetime.date.today())
    url = reverse("beneficiaries:detail", args=[person.pk])
    text = page_text(logged.get(url, {"type": "messages"}))
    assert "Message à la personne" in text and "Sortie —" not in text
    assert "Sortie —" in page_text(logged.get(url))


def test_the_city_never_sees_a_file_nor_its_messages(client, city, sent):
    client.force_login(city)
    response = client.get(reverse("beneficiaries:detail", args=[sent["reminder"].beneficiary_id]))
    assert response.status_code == 403 and "Bonjour" not in response.content.decode()


def test_only_the_latest_days_with_a_message_are_detailed_the_total_counts_them_all(coord, today):
    person = make_person("Lefort", "Inès")
    # One message every other day: the days listed are days with a message, not calendar days.
    days = [today - 2 * n * DAY for n in range(DAYS_SHOWN + 1)]
    for day in days:
        make_message(person, at=moment(day))

    text = page_text(coord.get(URL))

    assert f"Total 0 {DAYS_SHOWN + 1} 0 0 0 0 0 0" in text  # every message, SMS sent
    for day in days[:DAYS_SHOWN]:
        assert f"{day:%d/%m/%Y} 0 1 0 0 0 0 0 0" in text
    assert f"{days[-1]:%d/%m/%Y} 0 1 0 0 0 0 0 0" not in text
    assert (
        f"Seuls les {DAYS_SHOWN} derniers jours où des messages ont été mis en file sont détaillés ; "
        "le total compte toute la période choisie."
    ) in text

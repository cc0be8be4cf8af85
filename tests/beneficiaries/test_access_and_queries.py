"""Every page of the counsellor workspace: refused to the city and to strangers,
and answered in a number of queries that does not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.enums import OutcomeKind, Partner, ReferralChannel
from beneficiaries.models import Outcome, Referral, Topic
from messaging.enums import Channel, Kind
from messaging.models import Message

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db


def add_activity(venue, day, n, by=None):
    """n persons, each with two visits (with topics and a referral) and an outcome,
    recorded by `by`."""
    topics = list(Topic.objects.all()[:2])
    for i in range(n):
        person = make_person(f"Nom{i}{day:%j}", "Prénom")
        for offset in (0, 7):
            permanence, _ = venue.permanences.get_or_create(
                date=day - datetime.timedelta(days=offset),
                start_time=datetime.time(9, 30),
                defaults={"end_time": datetime.time(12, 30), "status": "held"},
            )
            visit = make_visit(
                person,
                permanence,
                next_step="CV",
                next_step_due=day - datetime.timedelta(days=1),
                created_by=by,
            )
            visit.topics.set(topics)
            Referral.objects.create(
                beneficiary=person,
                visit=visit,
                partner=Partner.PLIE,
                proposed_on=permanence.date - datetime.timedelta(days=60),
                created_by=by,
            )
        Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDD, start_date=day, created_by=by)
    return person


@pytest.fixture
def data(venue, today, counsellor):
    """A file with two of each of its rows, recorded by the counsellor (who may
    correct them): visits with a referral each, referrals outside a visit; and two
    messages sent to the person."""
    person = add_activity(venue, today, 2, by=counsellor)
    for channel in (ReferralChannel.PHONE, ReferralChannel.EMAIL):
        Referral.objects.create(
            beneficiary=person,
            partner=Partner.CAP_EMPLOI,
            channel=channel,
            proposed_on=today,
            created_by=counsellor,
        )
    # Two messages sent to the person (their timeline's rows).
    for channel in (Channel.SMS, Channel.EMAIL):
        Message.objects.create(beneficiary=person, channel=channel, kind=Kind.ONE_OFF, body="Bonjour")
    visit = person.visits.first()
    free = make_permanence(venue, today, start="14:00", end="17:00")
    return {
        "pk": person.pk,
        "permanence_pk": visit.permanence_id,
        "free_permanence_pk": free.pk,
        "outcome_pk": person.outcomes.get().pk,
        "visit_pk": visit.pk,
        "referral_pk": visit.referrals.get().pk,
    }


# (url name, arguments from `data`, query string)
PAGES = [
    ("permanences:today", [], ""),
    ("beneficiaries:desk", ["permanence_pk"], ""),
    ("beneficiaries:search", [], "?q=nom"),
    ("beneficiaries:create", [], ""),
    ("beneficiaries:detail", ["pk"], ""),
    ("beneficiaries:edit", ["pk"], ""),
    ("beneficiaries:notice", [], ""),
    ("beneficiaries:visit_create", ["pk", "free_permanence_pk"], ""),
    ("beneficiaries:outcome_create", ["pk"], ""),
    ("beneficiaries:outcome_edit", ["pk", "outcome_pk"], ""),
    ("beneficiaries:outcome_delete", ["pk", "outcome_pk"], ""),
    ("beneficiaries:visit_edit", ["visit_pk"], ""),
    ("beneficiaries:visit_delete", ["visit_pk"], ""),
    ("beneficiaries:referral_create", ["pk"], ""),
    ("beneficiaries:referral_edit", ["referral_pk"], ""),
    ("beneficiaries:referral_delete", ["referral_pk"], ""),
    ("beneficiaries:followups", [], ""),
    ("beneficiaries:list", [], "?order=-dernier_rdv"),
    ("beneficiaries:visits", [], "?order=lieu"),
]
POSTS = [
    ("permanences:hold", ["permanence_pk"]),
    ("permanences:cancel", ["permanence_pk"]),
    ("beneficiaries:notice_given", ["pk"]),
    ("beneficiaries:next_step_done", ["pk"]),
    ("beneficiaries:referral_status", ["pk"]),
    ("beneficiaries:visit_edit", ["visit_pk"]),
    ("beneficiaries:visit_delete", ["visit_pk"]),
    ("beneficiaries:referral_edit", ["referral_pk"]),
    ("beneficiaries:referral_delete", ["referral_pk"]),
    ("beneficiaries:referral_create", ["pk"]),
    ("beneficiaries:outcome_edit", ["pk", "outcome_pk"]),
    ("beneficiaries:outcome_delete", ["pk", "outcome_pk"]),
]


def url_of(name, args, data, query=""):
    return reverse(name, args=[data[a] for a in args]) + query


@pytest.mark.parametrize(("name", "args", "query"), PAGES, ids=[p[0] for p in PAGES])
def test_the_city_gets_403_and_strangers_the_login_page(client, city, data, name, args, query):
    url = url_of(name, args, data, query)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(city)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("name", "args"), POSTS, ids=[p[0] for p in POSTS])
def test_the_city_cannot_post_either(client, city, data, name, args):
    client.force_login(city)
    assert client.post(reverse(name, args=[data[a] for a in args]), {"status": "done"}).status_code == 403


def test_unknown_ids_are_404(client, counsellor):
    client.force_login(counsellor)
    for url in (
        reverse("beneficiaries:detail", args=[999999]),
        reverse("beneficiaries:desk", args=[999999]),
        reverse("beneficiaries:visit_create", args=[999999, 999999]),
        reverse("permanences:cancel", args=[999999]),
    ):
        assert client.get(url).status_code == 404


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(("name", "args", "query"), PAGES, ids=[p[0] for p in PAGES])
def test_query_counts_do_not_grow_with_the_data(client, counsellor, venue, today, data, name, args, query):
    client.force_login(counsellor)
    url = url_of(name, args, data, query)
    with_two = queries_for(client, url)
    add_activity(venue, today, 3)
    assert queries_for(client, url) == with_two


# Pinned counts on the main pages (two rows per relation, see `data`).
# Each starts with the session, the user and the user's roles (3 queries).
PINNED = {
    # + planning (savepoint, weekly slots, release: no slot today here),
    #   today's sessions and their counsellors, the venues of the ad hoc form
    "permanences:today": 9,
    # + the session, its visits, their topics, the persons expected, the audit entry of the list shown
    "beneficiaries:desk": 8,
    # + the file, the audit entry of this read, today's sessions; the timeline: its
    #   page of keys and their count, the rows of each kind on the page (visits with
    #   their topics and referrals, the messages), the correction rights;
    #   the workshops open for registration
    "beneficiaries:detail": 15,
    # + missed follow-ups, referrals awaiting a result, next steps due, persons not
    #   seen, the audit entry of the list shown
    "beneficiaries:followups": 8,
    # + count, page rows, the audit entry of the list shown, quarters and
    #   venues of the filter form
    "beneficiaries:list": 8,
    # + the matching files with their quarter and last visit, the audit entry
    #   of the list shown
    "beneficiaries:search": 5,
    # + the quarters of the form
    "beneficiaries:create": 4,
    # + the file, the audit entry of this read, the quarters and the
    #   counsellors (the referent) of the form
    "beneficiaries:edit": 7,
    # + the public texts (who is responsible, the DPO's contact)
    "beneficiaries:notice": 4,
    # + the file, its read, the session, an existing visit, whether a first
    #   visit, the topics of the form
    "beneficiaries:visit_create": 10,
    # + the file and its read
    "beneficiaries:outcome_create": 5,
    # + the file, its read, the outcome
    "beneficiaries:outcome_edit": 6,
    # + the file, the outcome, its read
    "beneficiaries:outcome_delete": 6,
    # + the visit with its file, session, venue and counsellor, its topics and
    #   referrals, its read, the form's sessions and topics
    "beneficiaries:visit_edit": 9,
    # + the visit (as above) with its topics and referrals, its read
    "beneficiaries:visit_delete": 7,
    # + the file, its read
    "beneficiaries:referral_create": 5,
    # + the referral with its file and visit, its read
    "beneficiaries:referral_edit": 5,
    "beneficiaries:referral_delete": 5,
    # + count, page rows, their topics and referrals, the audit entry of the
    #   list shown, the filter form's venues and counsellors
    "beneficiaries:visits": 10,
}


def test_every_page_has_a_pinned_count():
    assert set(PINNED) == {name for name, _, _ in PAGES}


@pytest.mark.parametrize("name", list(PINNED))
def test_pinned_query_counts(client, counsellor, data, django_assert_num_queries, name):
    client.force_login(counsellor)
    args, query = next((a, q) for n, a, q in PAGES if n == name)
    with django_assert_num_queries(PINNED[name]):
        client.get(url_of(name, args, data, query))

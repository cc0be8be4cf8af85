"""A server lost mid-day: counsellors log visits through nginx while one of the
two app servers is killed (SIGKILL to gunicorn and its workers, as a machine
lost). Every visit whose POST got a success answer is in the database once,
with its referral and its topic (nothing half-saved); a POST cut by the kill
(502) sent again with the same form, to the survivor, saves nothing twice; the
requests after the kill are served by the survivor, and a create form first
sent to the dead server, sent again to the survivor, creates nothing twice. The number of requests that
failed during the switch is printed."""

import threading
import time
from collections import Counter
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary, Referral, Topic, Visit
from core.enums import Role
from core.models import FormSubmission

from ..factories import make_permanence, make_person, make_user
from .agent import Agent
from .conftest import start_pair

pytestmark = pytest.mark.django_db(transaction=True)

COUNSELLORS = 4
PERSONS_EACH = 120
BEFORE_KILL, AFTER_KILL = 1.5, 2.5  # seconds of load


@pytest.fixture
def lost_pair(django_db_setup, log_dir):
    started = start_pair(log_dir, prefix="lost-")
    yield started
    for server in started.servers:
        server.stop()


@pytest.fixture
def day(reference_data, venue, django_user_model):
    session = make_permanence(venue, timezone.localdate(), start="00:00", end="23:59")
    users = [make_user(django_user_model, f"conseil{n}", Role.CONSEILLER) for n in range(COUNSELLORS)]
    persons = [
        [make_person(f"Lambda{n}x{i}", "Test").pk for i in range(PERSONS_EACH)] for n in range(COUNSELLORS)
    ]
    return SimpleNamespace(session=session, users=users, persons=persons, topic=Topic.objects.first())


class Counsellor(threading.Thread):
    """Opens the visit form of each person in turn and sends it; a failed POST
    is sent again as it was (what a user does after an error page)."""

    def __init__(self, agent: Agent, persons: list[int], day, stop: threading.Event):
        super().__init__(daemon=True)
        self.agent, self.persons, self.day, self.stop = agent, persons, day, stop
        self.acknowledged: list[int] = []
        self.failures: list[tuple[float, str, str]] = []  # (time, method, status or error)
        self.answered: list[tuple[float, str]] = []  # (time, request id) of each success
        self.unexpected: list[tuple[int, str]] = []

    def call(self, method, path, data=None):
        try:
            answer = self.agent.request(method, path, data)
        except OSError as error:
            self.failures.append((time.monotonic(), method, type(error).__name__))
            return None
        if answer.status >= 500:
            self.failures.append((time.monotonic(), method, str(answer.status)))
            return None
        self.answered.append((time.monotonic(), answer.headers.get("X-Request-ID", "")))
        return answer

    def run(self):
        for pk in self.persons:
            if self.stop.is_set():
                return
            path = reverse("beneficiaries:visit_create", args=[pk, self.day.session.pk])
            page = None
            for _ in range(5):
                page = self.call("GET", path)
                if page is not None:
                    break
            if page is None or page.status != 200:
                self.unexpected.append((pk, page.status if page else "no form"))
                continue
            data = {
                "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
                "token": page.hidden("token"),
                "topics": str(self.day.topic.pk),
                "notes": "Candidatures envoyées.",
                "orientations-TOTAL_FORMS": "1",
                "orientations-INITIAL_FORMS": "0",
                "orientations-MIN_NUM_FORMS": "0",
                "orientations-MAX_NUM_FORMS": "5",
                "orientations-0-partner": "plie",
                "orientations-0-detail": "",
            }
            sent = None
            for _ in range(5):
                sent = self.call("POST", path, data)
                if sent is not None:
                    break
            if sent is not None and sent.status == 302:
                self.acknowledged.append(pk)
            else:
                self.unexpected.append((pk, sent.status if sent else "no answer"))


def test_a_server_killed_mid_day_loses_no_acknowledged_visit(lost_pair, day, django_user_model, capsys):
    agents = []
    for user in day.users:
        agent = Agent(lost_pair.nginx.https_port)
        assert agent.log_in(user.username).status == 302
        agents.append(agent)
    # A file created on the server about to die, its form kept to be sent again after.
    extra = make_user(django_user_model, "conseilx", Role.CONSEILLER)
    creator = Agent(lost_pair.nginx.https_port)
    assert creator.log_in(extra.username).status == 302
    create = reverse("beneficiaries:create")
    page = creator.get(create, via=lost_pair.first.address)
    form = {
        "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        "token": page.hidden("token"),
        "last_name": "Avantlapanne",
        "first_name": "Ondine",
        "sex": "F",
    }
    created = creator.post(create, form, via=lost_pair.first.address)
    assert created.status == 302
    stop = threading.Event()
    counsellors = [Counsellor(a, p, day, stop) for a, p in zip(agents, day.persons, strict=True)]
    for counsellor in counsellors:
        counsellor.start()
    time.sleep(BEFORE_KILL)
    killed_at = time.monotonic()
    lost_pair.first.kill()
    time.sleep(AFTER_KILL)
    stop.set()
    for counsellor in counsellors:
        counsellor.join(timeout=60)
        assert not counsellor.is_alive()

    acknowledged = [pk for c in counsellors for pk in c.acknowledged]
    failures = [f for c in counsellors for f in c.failures]
    assert [u for c in counsellors for u in c.unexpected] == []
    assert len(acknowledged) >= 10  # a few seconds of work, before and after the kill
    # Each acknowledged visit once, with its referral and topic; nothing else saved.
    visits = Visit.objects.filter(permanence=day.session)
    assert sorted(visits.values_list("beneficiary_id", flat=True)) == sorted(acknowledged)
    counts = Counter(
        Referral.objects.filter(visit__permanence=day.session).values_list("visit_id", flat=True)
    )
    assert all(counts[visit.pk] == 1 for visit in visits)
    assert all([t.pk for t in visit.topics.all()] == [day.topic.pk] for visit in visits)
    assert FormSubmission.objects.count() == len(acknowledged) + 1  # and the file created below
    # The form of the file created on the dead server, sent again to the survivor: the same file.
    again = creator.post(create, form, via=lost_pair.second.address)
    assert (again.status, again.location) == (302, created.location)
    assert Beneficiary.objects.filter(last_name="Avantlapanne").count() == 1
    # After the kill, only the survivor answers.
    after = {request_id for c in counsellors for at, request_id in c.answered if at > killed_at + 0.5}
    assert after and after <= lost_pair.second.request_ids()
    assert not after & lost_pair.first.request_ids()
    before = {request_id for c in counsellors for at, request_id in c.answered if at < killed_at}
    assert before & lost_pair.first.request_ids()  # both served before the kill
    with capsys.disabled():
        print(
            f"\n{len(acknowledged)} visits acknowledged and saved once; requests failed during the "
            f"switch: {len(failures)} {sorted(Counter((m, s) for _, m, s in failures).items())}"
        )

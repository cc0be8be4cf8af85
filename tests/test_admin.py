"""The Django admin covers every model, is for staff admins only, and its
changelists answer in a number of queries that does not grow with the rows."""

import datetime
import itertools

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import OutcomeKind, Partner
from beneficiaries.models import (
    Beneficiary,
    DistinctPair,
    Outcome,
    Referral,
    RefSequence,
    Topic,
    Visit,
    WorkshopTheme,
)
from messaging.models import Message, MessageTemplate
from permanences.models import PUBLIC_INFO_PK, Permanence, PublicInfo, Quarter, Venue, WeeklySlot
from reporting.models import PublishedBilan

from .factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

counter = itertools.count(1)


def _venue():
    n = next(counter)
    return Venue.objects.create(name=f"Lieu {n}", quarter=Quarter.objects.create(name=f"Quartier {n}"))


def _permanence():
    return make_permanence(_venue(), datetime.date(2020, 1, 1) + datetime.timedelta(days=next(counter)))


def _visit():
    visit = make_visit(make_person(f"Nom{next(counter)}", "Prénom"), _permanence())
    visit.topics.set(Topic.objects.all()[:2])
    return visit


def _user():
    user = User.objects.create_user(f"user{next(counter)}")
    user.groups.set(Group.objects.all()[:2])
    return user


# One way to add a row of each registered model; a model registered in the
# admin without a factory here fails test_every_registered_model_is_covered.
FACTORIES = {
    Quarter: lambda: Quarter.objects.create(name=f"Quartier {next(counter)}"),
    Venue: _venue,
    WeeklySlot: lambda: WeeklySlot.objects.create(
        venue=_venue(),
        weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        valid_from=datetime.date(2020, 1, 1),
    ),
    Permanence: _permanence,
    PublicInfo: lambda: PublicInfo.objects.get_or_create(pk=PUBLIC_INFO_PK)[0],
    User: _user,
    Group: lambda: Group.objects.create(name=f"groupe {next(counter)}"),
    Beneficiary: lambda: make_person(f"Nom{next(counter)}", "Prénom", quarter=Quarter.objects.first()),
    Topic: lambda: Topic.objects.create(code=f"theme-{next(counter)}", label="Thème"),
    WorkshopTheme: lambda: WorkshopTheme.objects.create(code=f"atelier-{next(counter)}", label="Thème"),
    Visit: _visit,
    Referral: lambda: Referral.objects.create(
        beneficiary=make_person(f"Nom{next(counter)}", "Prénom"),
        visit=_visit(),
        partner=Partner.FRANCE_TRAVAIL,
        proposed_on=datetime.date(2020, 2, 1),
    ),
    Outcome: lambda: Outcome.objects.create(
        beneficiary=make_person(f"Nom{next(counter)}", "Prénom"),
        kind=OutcomeKind.CDI,
        start_date=datetime.date(2020, 3, 1),
    ),
    RefSequence: lambda: RefSequence.objects.create(year=2000 + next(counter)),
    DistinctPair: lambda: DistinctPair.objects.create(
        first=make_person(f"Nom{next(counter)}", "Prénom"),
        second=make_person(f"Nom{next(counter)}", "Prénom"),
    ),
    PublishedBilan: lambda: PublishedBilan.objects.create(year=2020, figures={"persons": 1}),
    AuditEntry: lambda: AuditEntry.objects.create(action=AuditAction.LOGIN, username="x"),
    # Accounts: a lost authenticator is removed here, locked-out attempts reset here.
    EmailAddress: lambda: EmailAddress.objects.create(user=_user(), email=f"u{next(counter)}@example.org"),
    Authenticator: lambda: Authenticator.objects.create(
        user=_user(), type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    ),
    AccessAttempt: lambda: AccessAttempt.objects.create(
        username=f"u{next(counter)}",
        ip_address="127.0.0.1",
        failures_since_start=1,
        user_agent="",
        path_info="/",
    ),
    AccessLog: lambda: AccessLog.objects.create(
        username=f"u{next(counter)}", ip_address="127.0.0.1", user_agent="", path_info="/"
    ),
    AccessFailureLog: lambda: AccessFailureLog.objects.create(
        username=f"u{next(counter)}", ip_address="127.0.0.1", user_agent="", path_info="/"
    ),
    # The texts of the messages: one per kind and channel, from the migrations.
    MessageTemplate: lambda: MessageTemplate.objects.order_by("?").first(),
    Message: lambda: Message.objects.create(
        beneficiary=make_person(f"Nom{next(counter)}", "Prénom"),
        channel="sms",
        kind="one_off",
        body="Bonjour",
    ),
}
# Read-only by design: a counter must never be set by hand. One row only: the public texts.
NO_ADD_PAGE = {
    RefSequence,
    DistinctPair,
    PublicInfo,
    AuditEntry,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
    MessageTemplate,
    Message,
}


def admin_url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def test_every_registered_model_is_covered():
    assert set(admin.site._registry) == set(FACTORIES)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m._meta.model_name)
def test_admin_pages_answer_for_an_admin_in_constant_queries(client, admin_user, model):
    client.force_login(admin_user)
    rows = [FACTORIES[model]() for _ in range(2)]
    changelist = admin_url(model, "changelist")
    with_two = count_queries(client, changelist)
    for _ in range(3):
        FACTORIES[model]()
    assert count_queries(client, changelist) == with_two
    assert client.get(admin_url(model, "change", rows[0].pk)).status_code == 200
    expected_add = 403 if model in NO_ADD_PAGE else 200
    assert client.get(admin_url(model, "add")).status_code == expected_add


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "city", "outsider"])
def test_other_roles_are_sent_to_the_admin_login(client, request, role):
    client.force_login(request.getfixturevalue(role))
    for url in [reverse("admin:index"), admin_url(Beneficiary, "changelist"), admin_url(Venue, "add")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_publishing_from_the_admin_computes_the_figures(client, admin_user, venue):
    make_visit(make_person(), make_permanence(venue, datetime.date(2020, 6, 1)))
    client.force_login(admin_user)
    response = client.post(admin_url(PublishedBilan, "add"), {"year": 2020, "note": "Conseil du 12 mars"})
    assert response.status_code == 302
    published = PublishedBilan.objects.get()
    assert published.figures["persons"] == 1
    assert published.figures["appointments"] == 1
    assert published.published_by == admin_user
    # Frozen: no change or delete from the admin.
    assert client.post(admin_url(PublishedBilan, "change", published.pk), {"year": 2021}).status_code == 403
    assert client.post(admin_url(PublishedBilan, "delete", published.pk), {"post": "yes"}).status_code == 403


def test_user_changelist_shows_roles(client, admin_user, counsellor):
    client.force_login(admin_user)
    response = client.get(admin_url(User, "changelist"))
    assert "conseiller" in response.content.decode()


def test_a_session_with_visits_cannot_be_moved_to_a_coming_day(client, admin_user, venue):
    session = make_permanence(venue, datetime.date(2023, 5, 2))
    make_visit(make_person(), session)
    client.force_login(admin_user)
    form = {
        "venue": venue.pk,
        "date": "2099-05-02",
        "start_time": "09:30",
        "end_time": "12:30",
        "status": session.status,
        "cancel_reason": "",
    }

    response = client.post(admin_url(Permanence, "change", session.pk), form)

    assert response.status_code == 200
    assert "ne peut pas être déplacée à une date à venir" in response.content.decode()
    session.refresh_from_db()
    assert session.date == datetime.date(2023, 5, 2)

    # To another past day: its visits follow.
    response = client.post(admin_url(Permanence, "change", session.pk), {**form, "date": "2023-05-09"})
    assert response.status_code == 302
    assert Visit.objects.get(permanence=session).date == datetime.date(2023, 5, 9)

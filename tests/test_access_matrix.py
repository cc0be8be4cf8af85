"""Every URL the project resolves, requested by every role with every method of
its row in tests/access.py: allowed, refused (403/404), or sent to log in."""

import datetime
import re
import uuid
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from beneficiaries.enums import ImportAction, OutcomeKind, Partner
from beneficiaries.models import Appointment, ImportJob, ImportUpload, Outcome, Referral, WorkshopRegistration
from messaging.enums import Channel, Kind
from messaging.models import MessageTemplate
from permanences.enums import PermanenceStatus

from . import access
from .factories import make_permanence, make_person, make_visit, make_workshop

pytestmark = pytest.mark.django_db


def url_patterns(patterns=None, namespace=""):
    """(full name, pattern) of every named URL, the admin's included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


URLS = dict(url_patterns())


def test_every_url_has_a_row_in_the_access_table():
    assert access.missing_rules(URLS) == []


def test_a_url_without_a_row_fails_the_build():
    assert access.missing_rules([*URLS, "beneficiaries:secret_page"]) == ["beneficiaries:secret_page"]
    assert access.missing_rules(["unknown_namespace:page", "lonely"]) == ["lonely", "unknown_namespace:page"]


@pytest.fixture
def sample(venue, today, coordinator, counsellor):
    upload = ImportUpload.objects.create(id=uuid.uuid4(), user=coordinator)
    permanence = make_permanence(venue, today)
    person = make_person()
    twin = make_person("Martin", "Elodie")
    # Recorded by the counsellor last week: within the window in which they may correct it.
    visit = make_visit(
        person, make_permanence(venue, today - datetime.timedelta(days=7)), created_by=counsellor
    )
    workshop = make_workshop(venue, today)
    return SimpleNamespace(
        workshop=workshop,
        registration=WorkshopRegistration.objects.create(workshop=workshop, beneficiary=person),
        venue=venue,
        permanence=permanence,
        person=person,
        twin=twin,
        visit=visit,
        referral=Referral.objects.create(
            beneficiary=person,
            visit=visit,
            partner=Partner.PLIE,
            proposed_on=visit.date,
            created_by=counsellor,
        ),
        outcome=Outcome.objects.create(
            beneficiary=person, kind=OutcomeKind.CDI, start_date=visit.date, created_by=counsellor
        ),
        appointment=Appointment.objects.create(
            beneficiary=person,
            permanence=make_permanence(venue, today + datetime.timedelta(days=7)),
            time="10:00",
        ),
        upload=upload,
        import_job=ImportJob.objects.create(
            user=coordinator, upload_key=upload.pk, action=ImportAction.PREVIEW
        ),
        cancelled=make_permanence(
            venue, today, status=PermanenceStatus.CANCELLED, start="18:00", end="19:00"
        ),
        user=coordinator,
        counsellor=counsellor,
        # A text the messages are written from (the migrations' rows, or one made here).
        text=MessageTemplate.objects.get_or_create(
            kind=Kind.ONE_OFF, channel=Channel.SMS, defaults={"body": "{message}"}
        )[0],
    )


ADMIN_ARGUMENTS = {"object_id": "999999", "app_label": "beneficiaries"}


def url_for(name, pattern, rule, sample):
    kwargs = rule.kwargs(sample)
    if name.startswith("admin:"):
        groups = set(getattr(pattern.pattern, "converters", {})) | set(
            re.compile(str(pattern.pattern.regex.pattern)).groupindex
        )
        for group in groups:
            if group == "content_type_id":
                kwargs[group] = ContentType.objects.get_for_model(type(sample.person)).pk
            elif group == "id":  # a user's password page
                kwargs[group] = sample.user.pk
            else:
                kwargs.setdefault(group, ADMIN_ARGUMENTS[group])
    return reverse(name, kwargs=kwargs) + rule.query


def outcome(response) -> str:
    if response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        if location.startswith(reverse("login")):
            return "login"
        if location.startswith(reverse("admin:login")):
            return "admin-login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code < 500, response
    return "allowed"


@pytest.fixture
def clients(counsellor, coordinator, city, admin_user):
    users = {
        access.CONSEILLER: counsellor,
        access.COORDINATION: coordinator,
        access.VILLE: city,
        access.ADMIN: admin_user,
    }

    def client_for(role):
        client = Client()
        if role != access.ANONYMOUS:
            client.force_login(users[role])
        return client

    return client_for


@pytest.mark.parametrize("name", sorted(URLS))
def test_each_role_gets_what_the_table_says(name, sample, clients):
    rule = access.rule_for(name)
    url = url_for(name, URLS[name], rule, sample)
    for role in access.ROLES:
        for method in rule.methods:
            response = getattr(clients(role), method.lower())(url)
            got = outcome(response)
            if role in rule.allowed:
                expected = {"allowed", *rule.also_allowed}
            elif role == access.ANONYMOUS:
                expected = {"login", "admin-login"} if name.startswith("admin:") else {"login"}
            else:
                expected = rule.denied
            assert got in expected, (
                f"{method} {url} as {role}: {got} ({response.status_code}), expected {expected}"
            )


# Digits that str.isdigit() accepts and int() refuses or reads as another number.
NOT_ASCII_DIGITS = ("²", "١٢")
# Parameters read from the address by views, beside those of the pages' own forms.
ADDRESS_PARAMETERS = {"page", "year", "venue", "quarter", "permanence"}
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


@pytest.mark.parametrize("name", sorted(name for name in URLS if not name.startswith("admin:")))
def test_non_ascii_digits_in_every_parameter_never_fail(name, sample, clients):
    """Every page a role may open, with each of its parameters (its forms' fields
    and those read from the address) set to digits that are not 0-9: a French
    error or the default, never a 500."""
    rule = access.rule_for(name)
    url = url_for(name, URLS[name], rule, sample)
    roles = [role for role in access.ROLES if role in rule.allowed and role != access.ANONYMOUS][:1]
    for role in roles:
        client = clients(role)
        page = client.get(url)
        fields = (
            set(FIELD_NAME.findall(page.content.decode(errors="ignore")))
            if page.status_code == 200
            else set()
        )
        for parameter in sorted((fields | ADDRESS_PARAMETERS) - {"csrfmiddlewaretoken"}):
            for value in NOT_ASCII_DIGITS:
                for method in rule.methods:
                    response = getattr(client, method.lower())(url, {parameter: value})
                    assert response.status_code < 500, (method, url, parameter, value)

"""Each audited table records its creates, changes and deletes, and the pages
that describe the trail say what it holds."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from audit.context import acting_as
from audit.enums import AuditAction
from beneficiaries.enums import OutcomeKind, Partner
from beneficiaries.models import (
    Appointment,
    Beneficiary,
    Outcome,
    Referral,
    Topic,
    Visit,
    Workshop,
    WorkshopRegistration,
    WorkshopTheme,
)
from messaging.models import Message, MessageTemplate
from permanences.models import Permanence, Quarter, Venue, WeeklySlot
from reporting.models import PublishedBilan

from ..factories import make_permanence, make_person, make_visit, make_workshop
from .helpers import audited_tables, columns, only_entry, who

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
AUDITED = audited_tables()


def test_every_audited_table_has_its_three_triggers():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE %s", ["audit%"]
        )
        found = set(cursor.fetchall())
    for table, _, _ in AUDITED:
        for event in ("insert", "update", "delete"):
            assert (table, f"audit_{table}_{event}") in found


# (model, how to make a row, a change to make): one per audited table.
ROWS = {
    Quarter: (lambda v: Quarter.objects.create(name="Le Morillon"), {"qpv_code": "", "name": "Morillon"}),
    Venue: (lambda v: Venue.objects.create(name="Lieu", quarter=v.quarter), {"address": "1 rue"}),
    WeeklySlot: (
        lambda v: WeeklySlot.objects.create(
            venue=v, weekday=1, start_time="09:00", end_time="12:00", valid_from=D("2024-01-01")
        ),
        {"weekday": 2},
    ),
    Permanence: (lambda v: make_permanence(v, D("2024-01-08")), {"end_time": "13:00"}),
    Beneficiary: (lambda v: make_person(), {"rqth": "non"}),
    Visit: (
        lambda v: make_visit(make_person(), make_permanence(v, D("2024-01-08"))),
        {"duration_minutes": 20},
    ),
    Referral: (
        lambda v: Referral.objects.create(
            beneficiary=make_person(), partner=Partner.PLIE, proposed_on=D("2024-01-08")
        ),
        {"partner": Partner.SIAE},
    ),
    Outcome: (
        lambda v: Outcome.objects.create(
            beneficiary=make_person(), kind=OutcomeKind.CDI, start_date=D("2024-01-08")
        ),
        {"kind": OutcomeKind.CDD},
    ),
    Appointment: (
        lambda v: Appointment.objects.create(
            beneficiary=make_person(), permanence=make_permanence(v, D("2024-01-08")), time="10:00"
        ),
        {"time": "11:00"},
    ),
    Topic: (lambda v: Topic.objects.create(code="nouveau", label="Nouveau"), {"label": "Neuf"}),
    WorkshopTheme: (
        lambda v: WorkshopTheme.objects.create(code="nouveau", label="Nouveau"),
        {"label": "Neuf"},
    ),
    Workshop: (lambda v: make_workshop(v, D("2024-01-08")), {"capacity": 12}),
    WorkshopRegistration: (
        lambda v: WorkshopRegistration.objects.create(
            workshop=make_workshop(v, D("2024-01-08")), beneficiary=make_person()
        ),
        {"attendance": "present"},
    ),
    Group: (lambda v: Group.objects.create(name="nouveau"), {"name": "neuf"}),
    PublishedBilan: (lambda v: PublishedBilan.objects.create(year=2024, figures={}), {"note": "Conseil"}),
    Message: (
        lambda v: Message.objects.create(
            beneficiary=make_person(), channel="sms", kind="one_off", body="Bonjour Test"
        ),
        {"status": "sent"},
    ),
    MessageTemplate: (
        # The migrations give each kind and channel its text: this one is made anew.
        lambda v: (
            MessageTemplate.objects.filter(kind="one_off", channel="email").delete()
            and MessageTemplate.objects.create(kind="one_off", channel="email", body="Bonjour")
        ),
        {"body": "Bonjour à vous"},
    ),
}


def test_the_list_covers_every_audited_table():
    labels = {label for _, label, _ in AUDITED}
    assert {model._meta.label_lower for model in ROWS} | {
        "auth.user",
        "auth.user_groups",
        "beneficiaries.visit_topics",
    } == labels


@pytest.mark.parametrize("model", list(ROWS), ids=lambda m: m._meta.label_lower)
def test_each_audited_table_records_create_change_and_delete(model, venue, counsellor):
    make, changes = ROWS[model]
    with acting_as(counsellor):
        row = make(venue)
        model.objects.filter(pk=row.pk).update(**changes)
        model.objects.filter(pk=row.pk).delete()
    assert who(only_entry(row, AuditAction.CREATE)) == (counsellor, "alice")
    expected = {model._meta.get_field(name).column for name in changes if getattr(row, name) != changes[name]}
    assert columns(only_entry(row, AuditAction.CHANGE)) == expected
    assert who(only_entry(row, AuditAction.DELETE)) == (counsellor, "alice")


def test_the_register_says_what_the_trail_holds(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:register")).content.decode()
    assert "quels champs ont changé, jamais leur valeur" in html
    assert "chaque liste de dossiers affichée (leur nombre, sans les noms)" in html

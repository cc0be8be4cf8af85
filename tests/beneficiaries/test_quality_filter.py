"""The persons list filtered on a data-quality condition (`qualite`)."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.enums import OutcomeKind, QualityCheck, Sex
from beneficiaries.models import Outcome

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def listed(client, **params):
    response = client.get(reverse("beneficiaries:list"), params)
    assert response.status_code == 200
    return {person.last_name for person in response.context["page"].object_list}


def test_it_lists_the_files_with_the_problem(client, counsellor, venue):
    client.force_login(counsellor)
    make_visit(make_person("Inconnu", sex=Sex.NOT_STATED), make_permanence(venue, D("2023-03-01")))
    make_person("Connue")
    assert listed(client, qualite=QualityCheck.SEX_NOT_STATED) == {"Inconnu"}
    assert listed(client, qualite=QualityCheck.BIRTH_DATE_UNKNOWN) == {"Inconnu", "Connue"}


def test_the_period_applies_to_the_dated_thing_checked(client, counsellor, venue):
    client.force_login(counsellor)
    person = make_person("Cdd")
    make_visit(person, make_permanence(venue, D("2023-03-01")))
    make_visit(person, make_permanence(venue, D("2024-03-01")))
    Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDD, start_date=D("2024-04-01"))
    check = QualityCheck.CDD_WITHOUT_END
    assert listed(client, qualite=check) == {"Cdd"}
    assert listed(client, qualite=check, seen_from="01/01/2024", seen_until="31/12/2024") == {"Cdd"}
    # Seen in 2023, but the CDD starts in 2024.
    assert listed(client, qualite=check, seen_from="01/01/2023", seen_until="31/12/2023") == set()

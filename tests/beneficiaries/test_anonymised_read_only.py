"""An anonymised file is read-only: every form and one-click action on it, and
every service that writes to it, is refused with a French message; nothing is saved."""

import datetime
import json
import os
import subprocess
import sys
import uuid
from functools import partial
from pathlib import Path

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from beneficiaries import correction_services as corrections
from beneficiaries.enums import AnonymisationReason, OutcomeKind, Partner, ReferralStatus
from beneficiaries.models import ANONYMISED_READ_ONLY, Beneficiary, Outcome, Referral, Visit
from beneficiaries.services import (
    BeneficiaryError,
    beneficiary_anonymise,
    beneficiary_notice_given,
    beneficiary_update,
    next_step_done,
    outcome_record,
    referral_record,
    referral_set_status,
    visit_record,
)

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
DAY = datetime.timedelta(days=1)


@pytest.fixture
def anonymised(venue, today):
    """An anonymised file with a visit, a referral awaiting its result and an
    outcome; and today's session."""
    person = make_person(birth_date=datetime.date(1990, 5, 17))
    visit = make_visit(person, make_permanence(venue, today - 10 * DAY))
    referral = Referral.objects.create(
        beneficiary=person, visit=visit, partner=Partner.PLIE, proposed_on=today - 10 * DAY
    )
    outcome = Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDI, start_date=today - DAY)
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    return {
        "person": Beneficiary.objects.get(pk=person.pk),
        "visit": Visit.objects.get(pk=visit.pk),
        "referral": referral,
        "outcome": outcome,
        "today": make_permanence(venue, today, start="14:00", end="17:00"),
    }


def snapshot(person):
    return (
        list(Beneficiary.objects.filter(pk=person.pk).values()),
        list(Visit.objects.filter(beneficiary=person).values()),
        list(Referral.objects.filter(beneficiary=person).values()),
        list(Outcome.objects.filter(beneficiary=person).values()),
    )


def test_every_form_and_one_click_action_is_refused_and_saves_nothing(client, counsellor, anonymised):
    person, today = anonymised["person"], anonymised["today"]
    visit, referral = anonymised["visit"], anonymised["referral"]
    outcome = {"kind": OutcomeKind.CDD, "start_date": "01/02/2026", "end_unknown": "on"}
    token = {"token": uuid.uuid4()}
    requests = [
        ("get", reverse("beneficiaries:edit", args=[person.pk]), {}),
        ("post", reverse("beneficiaries:edit", args=[person.pk]), {"last_name": "X", "first_name": "Y"}),
        ("post", reverse("beneficiaries:notice_given", args=[person.pk]), {}),
        ("get", reverse("beneficiaries:visit_create", args=[person.pk, today.pk]), {}),
        ("post", reverse("beneficiaries:visit_create", args=[person.pk, today.pk]), token),
        ("post", reverse("beneficiaries:next_step_done", args=[visit.pk]), {}),
        ("post", reverse("beneficiaries:referral_status", args=[referral.pk]), {"status": "done"}),
        ("get", reverse("beneficiaries:outcome_create", args=[person.pk]), {}),
        ("post", reverse("beneficiaries:outcome_create", args=[person.pk]), {**outcome, **token}),
        ("post", reverse("beneficiaries:outcome_edit", args=[person.pk, anonymised["outcome"].pk]), outcome),
        ("get", reverse("beneficiaries:outcome_delete", args=[person.pk, anonymised["outcome"].pk]), {}),
        ("post", reverse("beneficiaries:outcome_delete", args=[person.pk, anonymised["outcome"].pk]), {}),
        ("get", reverse("beneficiaries:visit_edit", args=[visit.pk]), {}),
        ("post", reverse("beneficiaries:visit_edit", args=[visit.pk]), {"version": 1, "reason": "autre"}),
        ("post", reverse("beneficiaries:visit_delete", args=[visit.pk]), {"version": 1, "reason": "autre"}),
        ("get", reverse("beneficiaries:referral_edit", args=[referral.pk]), {}),
        (
            "post",
            reverse("beneficiaries:referral_delete", args=[referral.pk]),
            {"version": 1, "reason": "autre"},
        ),
        ("get", reverse("beneficiaries:referral_create", args=[person.pk]), {}),
        ("post", reverse("beneficiaries:referral_create", args=[person.pk]), {"partner": "plie", **token}),
    ]
    before = snapshot(person)
    client.force_login(counsellor)
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "Ce dossier est anonymisé" in response.content.decode(), url
    assert snapshot(person) == before


def test_every_service_refuses_to_write_to_an_anonymised_file(counsellor, anonymised):
    person, visit = anonymised["person"], anonymised["visit"]
    before = snapshot(person)
    writes = [
        lambda: beneficiary_update(
            beneficiary_id=person.pk,
            expected_version=person.version,
            data={"last_name": "Nom", "first_name": "Prénom"},
            user=counsellor,
        ),
        lambda: beneficiary_notice_given(beneficiary=person, user=counsellor),
        lambda: visit_record(
            beneficiary=person, permanence=anonymised["today"], counsellor=counsellor, topics=[]
        ),
        lambda: next_step_done(visit=visit, user=counsellor),
        lambda: referral_set_status(
            referral=anonymised["referral"], status=ReferralStatus.DONE, user=counsellor
        ),
        lambda: outcome_record(
            beneficiary=person,
            data={"kind": OutcomeKind.FORMATION, "start_date": datetime.date(2026, 1, 5)},
            user=counsellor,
        ),
        lambda: referral_record(
            beneficiary=person,
            data={"partner": "plie", "channel": "telephone", "proposed_on": datetime.date(2026, 1, 5)},
            user=counsellor,
        ),
        *(
            lambda write=write: write(user=counsellor, reason="autre")
            for write in (
                partial(
                    corrections.visit_correct,
                    visit_id=visit.pk,
                    expected_version=visit.version,
                    values={"notes": "Nouvelles notes"},
                    topics=[],
                    permanence=visit.permanence,
                ),
                partial(corrections.visit_delete, visit_id=visit.pk, expected_version=visit.version),
                partial(
                    corrections.referral_correct,
                    referral_id=anonymised["referral"].pk,
                    expected_version=anonymised["referral"].version,
                    values={"detail": "Nouvelle précision"},
                ),
                partial(
                    corrections.referral_delete,
                    referral_id=anonymised["referral"].pk,
                    expected_version=anonymised["referral"].version,
                ),
                partial(
                    corrections.outcome_correct,
                    outcome_id=anonymised["outcome"].pk,
                    expected_version=anonymised["outcome"].version,
                    values={"employer": "Nouveau"},
                ),
                partial(
                    corrections.outcome_delete,
                    outcome_id=anonymised["outcome"].pk,
                    expected_version=anonymised["outcome"].version,
                ),
            )
        ),
    ]
    for write in writes:
        with pytest.raises(BeneficiaryError, match=ANONYMISED_READ_ONLY[:40]):
            write()
    assert snapshot(person) == before


def refused_by_the_database(write) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        write()
    return str(refusal.value)


def test_the_database_refuses_an_identity_or_a_note_written_back_by_any_path(anonymised):
    """The last line, under forms and services: plain SQL and bulk updates too."""
    person, visit = anonymised["person"], anonymised["visit"]
    before = snapshot(person)
    writes = [
        lambda: Beneficiary.objects.filter(pk=person.pk).update(last_name="Martin", first_name="Élodie"),
        lambda: Beneficiary.objects.filter(pk=person.pk).update(phone="06 12 34 56 78"),
        lambda: Beneficiary.objects.filter(pk=person.pk).update(anonymised_at=None),
        lambda: Visit.objects.filter(pk=visit.pk).update(notes="Elle s'appelle Élodie Martin"),
        lambda: Referral.objects.filter(beneficiary=person).update(detail="Élodie Martin"),
        lambda: Outcome.objects.filter(beneficiary=person).update(employer="Chez Élodie Martin"),
        lambda: Visit.objects.create(
            beneficiary=person, permanence=anonymised["today"], notes="Élodie Martin est revenue"
        ),
    ]
    for write in writes:
        assert "Ce dossier est anonymisé" in refused_by_the_database(write)
    assert snapshot(person) == before
    # What anonymisation leaves is allowed: rows without free text, unchanged values.
    Beneficiary.objects.filter(pk=person.pk).update(last_name="Anonyme")
    Visit.objects.create(beneficiary=person, permanence=anonymised["today"])


def test_the_admin_shows_an_anonymised_file_read_only(client, admin_user, anonymised):
    client.force_login(admin_user)
    person = anonymised["person"]
    url = reverse("admin:beneficiaries_beneficiary_change", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="last_name"' not in page.content.decode()
    assert client.post(url, {"last_name": "Martin", "first_name": "Élodie", "sex": "F"}).status_code == 403
    visit_url = reverse("admin:beneficiaries_visit_change", args=[anonymised["visit"].pk])
    assert 'name="notes"' not in client.get(visit_url).content.decode()
    assert Beneficiary.objects.get(pk=person.pk).last_name == "Anonyme"


SQLITE_SCRIPT = r"""
import json
from django.db import DatabaseError, transaction
from beneficiaries.enums import AnonymisationReason
from beneficiaries.models import Beneficiary, Visit
from beneficiaries.services import beneficiary_anonymise

person = Beneficiary.objects.create(last_name="Martin", first_name="Élodie", sex="F", phone="0612345678")
beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
refused = []
for write in (
    lambda: Beneficiary.objects.filter(pk=person.pk).update(last_name="Martin"),
    lambda: Beneficiary.objects.filter(pk=person.pk).update(anonymised_at=None),
):
    try:
        with transaction.atomic():
            write()
    except DatabaseError as error:
        refused.append(str(error))
print("RESULT" + json.dumps({"refused": refused, "name": Beneficiary.objects.get(pk=person.pk).last_name}))
"""


def test_the_sqlite_demo_refuses_it_too(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.test_settings",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=240)
    done = subprocess.run(
        [*manage, "shell", "-c", SQLITE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.split("RESULT", 1)[1])
    assert result["name"] == "Anonyme"
    assert len(result["refused"]) == 2 and all(
        "Ce dossier est anonymisé" in text for text in result["refused"]
    )

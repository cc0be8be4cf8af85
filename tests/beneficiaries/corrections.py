"""What the tests of corrections share: a file whose rows a counsellor recorded
last week, the address of each correction page, and a valid form for each."""

import datetime
from types import SimpleNamespace

from django.urls import reverse

from beneficiaries.enums import CorrectionReason, OutcomeKind, Partner, ReferralChannel, WorkingTime
from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from beneficiaries.services import outcome_record, referral_record, visit_record

from ..factories import make_permanence, make_person

DAY = datetime.timedelta(days=1)

EDITS = ("visit_edit", "referral_edit", "outcome_edit")
DELETES = ("visit_delete", "referral_delete", "outcome_delete")
ACTIONS = EDITS + DELETES

# The refusal a counsellor reads for a row that is not theirs, or past the window.
NOT_YOURS = "Vous ne pouvez corriger ou supprimer que ce que vous avez vous-même noté"


def make_file(venue, today, counsellor) -> SimpleNamespace:
    """A file whose rows `counsellor` recorded: last week's visit with two
    referrals, a referral by phone two days ago, an outcome that started yesterday."""
    person = make_person()
    session = make_permanence(venue, today - 7 * DAY)
    visit = visit_record(
        beneficiary=person,
        permanence=session,
        counsellor=counsellor,
        topics=[],
        notes="Bilan des démarches",
        referrals=[(Partner.PLIE, "Action emploi"), (Partner.MISSION_LOCALE, "")],
    )
    phoned = referral_record(
        beneficiary=person,
        data={
            "partner": Partner.CAP_EMPLOI,
            "detail": "",
            "channel": ReferralChannel.PHONE,
            "proposed_on": today - 2 * DAY,
        },
        user=counsellor,
    )
    outcome = outcome_record(
        beneficiary=person,
        data={
            "kind": OutcomeKind.CDI,
            "start_date": today - DAY,
            "working_time": WorkingTime.FULL_TIME,
            "employer": "Mairie",
        },
        user=counsellor,
    )
    return SimpleNamespace(
        person=person,
        session=session,
        visit=visit,
        referral=visit.referrals.get(partner=Partner.PLIE),
        phoned=phoned,
        outcome=outcome,
    )


def row_of(file, action: str):
    """The row a correction page acts on, as saved now."""
    kind = action.split("_")[0]
    row = {"visit": file.visit, "referral": file.referral, "outcome": file.outcome}[kind]
    return type(row).objects.get(pk=row.pk)


def url(file, action: str) -> str:
    if action.startswith("outcome"):
        return reverse(f"beneficiaries:{action}", args=[file.person.pk, file.outcome.pk])
    return reverse(f"beneficiaries:{action}", args=[row_of(file, action).pk])


def valid_form(file, action: str, **changes) -> dict:
    """A valid correction of the row of `action`, at the version saved now."""
    row = row_of(file, action)
    data = {"version": row.version, "reason": CorrectionReason.TYPING_ERROR}
    if action == "visit_edit":
        data |= {
            "permanence": row.permanence_id,
            "notes": "Notes corrigées",
            "duration_minutes": "30",
            "next_step": "",
            "next_step_due": "",
        }
    elif action == "referral_edit":
        data |= {
            "partner": Partner.SIAE,
            "detail": "Chantier d'insertion",
            "status": "proposed",
            "checked_on": "",
        }
    elif action == "outcome_edit":
        data |= {
            "kind": OutcomeKind.CDD,
            "start_date": f"{row.start_date:%d/%m/%Y}",
            "end_date": f"{row.start_date + 180 * DAY:%d/%m/%Y}",
            "working_time": WorkingTime.PART_TIME,
            "employer": "Mairie",
        }
    return data | changes


def snapshot(person) -> tuple:
    """Everything the file holds, to check that nothing was saved."""
    return (
        list(Beneficiary.objects.filter(pk=person.pk).values()),
        list(Visit.objects.filter(beneficiary=person).order_by("pk").values()),
        list(Visit.topics.through.objects.filter(visit__beneficiary=person).order_by("pk").values()),
        list(Referral.objects.filter(beneficiary=person).order_by("pk").values()),
        list(Outcome.objects.filter(beneficiary=person).order_by("pk").values()),
    )


def recorded_days_ago(file, days: int) -> None:
    """The file's rows as if recorded `days` days ago."""
    moment = datetime.datetime.now(datetime.UTC) - days * DAY
    for model in (Visit, Referral, Outcome):
        model.objects.filter(beneficiary=file.person).update(created_at=moment)

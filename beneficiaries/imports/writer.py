"""Writing a plan without problems, with bulk queries (COPY on PostgreSQL, see `db.insert_rows`)."""

import datetime
from collections import defaultdict
from typing import Any

from django.utils import timezone

from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from ..db import BATCH_SIZE, insert_links, insert_rows
from ..enums import ReferralStatus
from ..models import Beneficiary, Outcome, Referral, Visit
from .plan import ImportPlan, ReferralCell


def write_plan(plan: ImportPlan, *, user) -> None:
    """Write a plan without problems. Call inside a transaction (`services.activity_import`)."""
    if plan.problems:
        raise ValueError("A plan with problems cannot be written.")
    now = timezone.now()
    _write_persons(plan, user=user, now=now)
    insert_rows(Permanence, plan.new_permanences)
    if plan.permanences_to_hold:
        Permanence.objects.filter(pk__in=plan.permanences_to_hold).update(
            status=PermanenceStatus.HELD, updated_at=now
        )
    _write_visits(plan, user=user, now=now)
    _write_outcomes(plan, user=user, now=now)


def _write_persons(plan: ImportPlan, *, user, now: datetime.datetime) -> None:
    for person in plan.new_persons:
        person.created_by = person.updated_by = user
    insert_rows(Beneficiary, plan.new_persons)
    plan.person_pks.update((person.ref, person.pk) for person in plan.new_persons)
    if plan.person_updates:
        fields = set().union(*(changed for _, changed in plan.person_updates.values()))
        people = [person for person, _ in plan.person_updates.values()]
        for person in people:
            person.version += 1
            person.updated_by, person.updated_at = user, now
        Beneficiary.objects.bulk_update(
            people, [*sorted(fields), "version", "updated_by", "updated_at"], batch_size=BATCH_SIZE
        )


def _write_visits(plan: ImportPlan, *, user, now: datetime.datetime) -> None:
    """New visits with their topics and referrals, then the changes of stored ones."""
    user_id = _user_id(user)
    visits = [
        Visit(
            **_owned(plan, row.ref, user_id),
            permanence=row.permanence,
            kind=row.values["kind"],
            notes=row.values.get("notes", ""),
        )
        for row in plan.new_visits
    ]
    insert_rows(Visit, visits)
    pairs = list(zip(visits, plan.new_visits, strict=True))
    insert_links(
        Visit.topics.through,
        [(visit.pk, topic_id) for visit, row in pairs for topic_id in row.values.get("topics", ())],
    )
    referrals = [
        (visit.pk, cell, row.date, row.ref)
        for visit, row in pairs
        for cell in row.values.get("referrals", ())
    ]
    _update_visits(plan, user=user, now=now)
    insert_rows(Referral, _referrals([*referrals, *plan.new_referrals], plan=plan, user_id=user_id))
    _update_in_bulk(Referral, plan.referral_updates, user=user, now=now)


def _write_outcomes(plan: ImportPlan, *, user, now: datetime.datetime) -> None:
    user_id = _user_id(user)
    outcomes = [
        Outcome(**_owned(plan, row.ref, user_id), kind=row.kind, start_date=row.start_date, **row.values)
        for row in plan.new_outcomes
    ]
    insert_rows(Outcome, outcomes)
    _update_in_bulk(Outcome, plan.outcome_updates, user=user, now=now)


def _user_id(user) -> int | None:
    # Ids rather than the user object: cheaper for 100,000 rows.
    return user.pk if user is not None else None


def _owned(plan: ImportPlan, ref: str, user_id: int | None) -> dict[str, Any]:
    """The fields of a new row of a person's file: the person, and who created it."""
    return {"beneficiary_id": plan.person_pks[ref], "created_by_id": user_id, "updated_by_id": user_id}


def _referrals(
    rows: list[tuple[int, ReferralCell, datetime.date, str]], *, plan: ImportPlan, user_id: int | None
) -> list[Referral]:
    return [
        Referral(
            **_owned(plan, ref, user_id),
            visit_id=visit_id,
            partner=cell.partner,
            proposed_on=day,
            status=cell.status,
            # A result without its date was checked, at the latest, when imported.
            checked_on=None if cell.status == ReferralStatus.PROPOSED else (cell.checked_on or day),
        )
        for visit_id, cell, day, ref in rows
    ]


def _update_visits(plan: ImportPlan, *, user, now: datetime.datetime) -> None:
    _update_in_bulk(Visit, plan.visit_updates, user=user, now=now)
    if plan.topic_changes:
        through = Visit.topics.through
        through.objects.filter(visit_id__in=plan.topic_changes).delete()
        insert_links(
            through,
            [
                (visit_id, topic_id)
                for visit_id, topic_ids in plan.topic_changes.items()
                for topic_id in topic_ids
            ],
        )
        Visit.objects.filter(pk__in=plan.topic_changes).update(updated_by=user, updated_at=now)


def _update_in_bulk(
    model, updates: list[tuple[int, dict[str, Any]]], *, user, now: datetime.datetime
) -> None:
    """Rows that change the same fields are updated together."""
    groups: dict[tuple[str, ...], list] = defaultdict(list)
    for pk, fields in updates:
        groups[tuple(sorted(fields))].append(model(pk=pk, **fields, updated_by=user, updated_at=now))
    for names, objs in groups.items():
        model.objects.bulk_update(objs, [*names, "updated_by", "updated_at"], batch_size=BATCH_SIZE)

"""Writing a plan that is ready, with bulk queries (COPY on PostgreSQL, see `db.insert_rows`)."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import F
from django.utils import timezone

from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from ..db import BATCH_SIZE, insert_links, insert_rows
from ..enums import ReferralStatus
from ..models import Beneficiary, Outcome, Referral, Visit, Workshop, WorkshopRegistration, next_refs
from .plan import ImportPlan, VisitRow
from .progress import ImportProgress
from .visits import VISIT_FIELDS


def write_plan(plan: ImportPlan, *, user, progress: ImportProgress | None = None) -> None:
    """Write a ready plan. Call inside a transaction (`services.activity_import`).

    `progress` counts the rows written, up to `plan.rows_to_write()`."""
    if not plan.ready:
        raise ValueError("A plan with problems or undecided rows cannot be written.")
    progress = progress or ImportProgress()
    progress.writing(plan.rows_to_write())
    now = timezone.now()
    _write_persons(plan, user=user, now=now, progress=progress)
    _write_sessions(plan, now=now, progress=progress)
    visits = _write_visits(plan, user=user, now=now, progress=progress)
    _write_referrals(plan, visits, user=user, now=now, progress=progress)
    _write_outcomes(plan, user=user, now=now, progress=progress)
    _write_workshops(plan, user=user, now=now, progress=progress)


def _write_persons(plan: ImportPlan, *, user, now: datetime.datetime, progress: ImportProgress) -> None:
    unnamed = [person for person in plan.new_persons if not person.ref]
    # Files without a ref get the next ones of this year, in one query rather than one each.
    for person, ref in zip(unnamed, next_refs(timezone.localdate().year, len(unnamed)), strict=True):
        person.ref = ref
    for person in plan.new_persons:
        person.created_by = person.updated_by = user
    insert_rows(Beneficiary, plan.new_persons, on_progress=progress.wrote)
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
        progress.wrote(len(people))


def _write_sessions(plan: ImportPlan, *, now: datetime.datetime, progress: ImportProgress) -> None:
    insert_rows(Permanence, plan.new_permanences, on_progress=progress.wrote)
    if plan.permanences_to_hold:
        Permanence.objects.filter(pk__in=plan.permanences_to_hold).update(
            status=PermanenceStatus.HELD, updated_at=now
        )
    _update_in_bulk(Permanence, plan.permanence_updates, now=now)
    progress.wrote(len(plan.permanence_updates))
    through = Permanence.counsellors.through
    links = [
        (session if isinstance(session, int) else session.pk, users)
        for session, users in plan.counsellor_links
    ]
    through.objects.filter(permanence_id__in=[pk for pk, _ in links]).delete()
    insert_links(through, [(pk, user_id) for pk, users in links for user_id in sorted(users)])


def _write_visits(
    plan: ImportPlan, *, user, now: datetime.datetime, progress: ImportProgress
) -> dict[int, int]:
    """New visits with their topics, then the changes of stored ones; the pk of each new
    visit, by the id() of its row."""
    user_id = _user_id(user)
    visits = [
        Visit(
            **_owned(plan, row.ref, user_id),
            permanence=row.permanence,
            **{name: row.values[name] for name in VISIT_FIELDS if name in row.values},
        )
        for row in plan.new_visits
    ]
    insert_rows(Visit, visits, on_progress=progress.wrote)
    pairs = list(zip(visits, plan.new_visits, strict=True))
    insert_links(
        Visit.topics.through,
        [(visit.pk, topic_id) for visit, row in pairs for topic_id in sorted(row.values.get("topics", ()))],
    )
    _update_in_bulk(Visit, plan.visit_updates, user=user, now=now)
    progress.wrote(len(plan.visit_updates))
    if plan.topic_changes:
        through = Visit.topics.through
        through.objects.filter(visit_id__in=plan.topic_changes).delete()
        insert_links(
            through,
            [
                (visit_id, topic_id)
                for visit_id, topic_ids in plan.topic_changes.items()
                for topic_id in sorted(topic_ids)
            ],
        )
        Visit.objects.filter(pk__in=plan.topic_changes).update(
            updated_by=user, updated_at=now, version=F("version") + 1
        )
    return {id(row): visit.pk for visit, row in pairs}


def _write_referrals(
    plan: ImportPlan, visits: dict[int, int], *, user, now: datetime.datetime, progress: ImportProgress
) -> None:
    user_id = _user_id(user)
    cells = [
        (visits[id(row)], cell, row.date, row.ref)
        for row in plan.new_visits
        for cell in row.values.get("referrals", ())
    ]
    referrals = [
        Referral(
            **_owned(plan, ref, user_id),
            visit_id=visit_id,
            partner=cell.partner,
            proposed_on=day,
            status=cell.status,
            # A result without its date was checked, at the latest, on the visit's day.
            checked_on=None if cell.status == ReferralStatus.PROPOSED else (cell.checked_on or day),
        )
        for visit_id, cell, day, ref in [*cells, *plan.new_referrals]
    ]
    referrals += [
        Referral(
            **_owned(plan, row.ref, user_id),
            visit_id=visits[id(row.visit)] if isinstance(row.visit, VisitRow) else row.visit,
            partner=row.partner,
            proposed_on=row.proposed_on,
            **row.values,
        )
        for row in plan.new_file_referrals
    ]
    insert_rows(Referral, referrals, on_progress=progress.wrote)
    _update_in_bulk(Referral, plan.referral_updates, user=user, now=now)
    progress.wrote(len(plan.referral_updates))


def _write_outcomes(plan: ImportPlan, *, user, now: datetime.datetime, progress: ImportProgress) -> None:
    user_id = _user_id(user)
    outcomes = [
        Outcome(**_owned(plan, row.ref, user_id), kind=row.kind, start_date=row.start_date, **row.values)
        for row in plan.new_outcomes
    ]
    insert_rows(Outcome, outcomes, on_progress=progress.wrote)
    _update_in_bulk(Outcome, plan.outcome_updates, user=user, now=now)
    progress.wrote(len(plan.outcome_updates))


def _write_workshops(plan: ImportPlan, *, user, now: datetime.datetime, progress: ImportProgress) -> None:
    """New workshops and the changes of stored ones, then the registrations (in the
    order of the file: the waiting list keeps it)."""
    user_id = _user_id(user)
    for workshop in plan.new_workshops:
        workshop.created_by_id = workshop.updated_by_id = user_id
    insert_rows(Workshop, plan.new_workshops, on_progress=progress.wrote)
    _update_in_bulk(Workshop, plan.workshop_updates, user=user, now=now)
    progress.wrote(len(plan.workshop_updates))
    registrations = [
        WorkshopRegistration(**_owned(plan, row.ref, user_id), workshop_id=row.workshop.pk, **row.values)
        for row in plan.new_registrations
    ]
    insert_rows(WorkshopRegistration, registrations, on_progress=progress.wrote)
    _update_in_bulk(WorkshopRegistration, plan.registration_updates, user=user, now=now)
    progress.wrote(len(plan.registration_updates))


def _user_id(user) -> int | None:
    # Ids rather than the user object: cheaper for 100,000 rows.
    return user.pk if user is not None else None


def _owned(plan: ImportPlan, ref: str, user_id: int | None) -> dict[str, Any]:
    """The fields of a new row of a person's file: the person, and who created it."""
    return {"beneficiary_id": plan.person_pks[ref], "created_by_id": user_id, "updated_by_id": user_id}


def _update_in_bulk(
    model, updates: list[tuple[int, dict[str, Any]]], *, now: datetime.datetime, user=None
) -> None:
    """Rows that change the same fields are updated together (with who and when, for case-file rows)."""
    stamps = {"updated_at": now}
    names = {field.name for field in model._meta.fields}
    if "updated_by" in names:
        stamps["updated_by"] = user
    if "version" in names:
        # A correction opened before the import is then a conflict, not an overwrite.
        stamps["version"] = F("version") + 1
    groups: dict[tuple[str, ...], list] = defaultdict(list)
    for pk, fields in updates:
        groups[tuple(sorted(fields))].append(model(pk=pk, **fields, **stamps))
    for names, objs in groups.items():
        model.objects.bulk_update(objs, [*names, *stamps], batch_size=BATCH_SIZE)

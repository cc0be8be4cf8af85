"""Planning an import: read and check the files, and compare them with the database.

Identities, so that importing the same files twice changes nothing: a person
by ref (else by normalised names and birth date, see matching.py); a session
by venue, day and start time; a visit by person and session; a referral by
person, visit, partner and day (paired in order); an outcome by ref, type and
start date; a workshop by venue, day and start time; a registration by person
and workshop. A ref is looked up in the persons file of the same import, then
in the database.
"""

import itertools

from ..models import Beneficiary
from .context import PlanContext, chunks
from .formats import COLUMNS, OUTCOMES, PERSONS, REFERRALS, REGISTRATIONS, SESSIONS, VISITS, WORKSHOPS
from .matching import compare_persons
from .outcomes import check_outcomes, compare_outcomes
from .persons import check_persons
from .plan import Decisions, ImportPlan, ImportSource, TooManyProblems
from .progress import ImportProgress
from .referrals import check_referrals, compare_referrals
from .registrations import check_registrations, compare_registrations
from .sessions import SessionIndex, check_sessions, compare_sessions
from .visits import check_visits, compare_visits
from .workshops import WorkshopIndex, check_workshops, compare_workshops

CHECKS = {
    PERSONS: check_persons,
    SESSIONS: check_sessions,
    VISITS: check_visits,
    REFERRALS: check_referrals,
    OUTCOMES: check_outcomes,
    WORKSHOPS: check_workshops,
    REGISTRATIONS: check_registrations,
}


def plan_import(
    sources: dict[str, ImportSource],
    *,
    lock: bool = False,
    decisions: Decisions | None = None,
    progress: ImportProgress | None = None,
) -> ImportPlan:
    """Read and check the files, and compare them with the database; writes nothing.

    `lock` locks the stored persons that would be updated (for a real import);
    `decisions` say who the likely duplicates are; `progress` counts the rows
    read and compared as it goes.
    """
    unknown = set(sources) - set(COLUMNS)
    if unknown:
        raise ValueError(f"Unknown import files: {unknown}")
    context = PlanContext(sources, lock=lock, decisions=decisions, progress=progress)
    progress = context.progress
    try:
        sheets = {kind: sheet for kind in COLUMNS if kind in sources and (sheet := context.read(kind))}
        if REFERRALS in sources and VISITS in sheets and "referral" in sheets[VISITS][1]:
            context.problem(
                VISITS,
                1,
                "referral",
                "Les orientations sont dans le fichier des orientations : retirez la colonne referral "
                "du fichier des rendez-vous.",
            )
        rows = {kind: CHECKS[kind](context, *sheet) for kind, sheet in sheets.items()}
        compare_persons(context, rows.get(PERSONS, []))
        progress.compared(len(rows.get(PERSONS, [])))
        _resolve_refs(context, rows)
        index = _session_index(context, rows)
        compare_sessions(context, index, rows.get(SESSIONS, []))
        compare_visits(context, index, rows.get(VISITS, []))
        index.tally()
        progress.compared(len(rows.get(SESSIONS, [])) + len(rows.get(VISITS, [])))
        compare_referrals(context, rows.get(REFERRALS, []))
        compare_outcomes(context, rows.get(OUTCOMES, []))
        _compare_workshops(context, rows)
    except TooManyProblems:
        pass
    progress.all_compared()
    context.plan.sort_problems()
    return context.plan


def _resolve_refs(context: PlanContext, rows: dict[str, list]) -> None:
    """Refs of visits, referrals and outcomes: in the persons file, else in the
    database; a problem when unknown."""
    person_pks = context.plan.person_pks
    linked = [(kind, rows.get(kind, [])) for kind in (VISITS, REFERRALS, OUTCOMES, REGISTRATIONS)]
    wanted = {row.ref for _, kind_rows in linked for row in kind_rows} - context.file_refs
    wanted -= person_pks.keys()
    for chunk in chunks(wanted):
        for ref, pk, anonymised_at in Beneficiary.objects.filter(ref__in=chunk).values_list(
            "ref", "pk", "anonymised_at"
        ):
            person_pks[ref] = pk
            if anonymised_at is not None:
                context.stored_anonymised.add(ref)
                context.anonymised_refs.add(ref)
    known = context.file_refs | person_pks.keys()
    where = " ni dans le fichier des personnes" if PERSONS in context.sources else ""
    for kind, kind_rows in linked:
        kept = []
        for row in kind_rows:
            if row.ref in known:
                kept.append(row)
            else:
                context.problem(
                    kind, row.line, "ref", f"Référence inconnue « {row.ref} » : aucun dossier{where}."
                )
        kind_rows[:] = kept


def _session_index(context: PlanContext, rows: dict[str, list]) -> SessionIndex:
    """The stored sessions of the venues and days the sessions and visits files name."""
    dated = list(itertools.chain(rows.get(SESSIONS, []), rows.get(VISITS, [])))
    days = [row.date for row in dated]
    venues = {row.venue_id for row in dated}
    if not days:
        return SessionIndex(context, set(), context.today, context.today)
    return SessionIndex(context, venues, min(days), max(days))


def _compare_workshops(context: PlanContext, rows: dict[str, list]) -> None:
    """The workshops, then their registrations, against the stored ones of the venues and days they name."""
    workshops, registrations = rows.get(WORKSHOPS, []), rows.get(REGISTRATIONS, [])
    index = WorkshopIndex([*workshops, *registrations])
    compare_workshops(context, index, workshops)
    compare_registrations(context, index, registrations)
    context.progress.compared(len(workshops) + len(registrations))

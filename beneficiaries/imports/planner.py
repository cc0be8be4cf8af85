"""Planning an import: read and check the files, and compare them with the database.

Identities, so that importing the same files twice changes nothing: a person
by ref; a visit by person and permanence; an outcome by ref, type and start
date; a referral by visit and partner. A ref is looked up in the persons file
of the same import, then in the database.
"""

import itertools

from ..models import Beneficiary
from .context import PlanContext, chunks
from .outcomes import check_outcomes, compare_outcomes
from .persons import check_persons, compare_persons
from .plan import (
    COLUMNS,
    OUTCOMES,
    PERSONS,
    VISITS,
    ImportPlan,
    ImportSource,
    OutcomeRow,
    TooManyProblems,
    VisitRow,
)
from .visits import check_visits, compare_visits


def plan_import(sources: dict[str, ImportSource], *, lock: bool = False) -> ImportPlan:
    """Read and check the files, and compare them with the database; writes nothing.

    `lock` locks the stored persons that would be updated (for a real import).
    """
    unknown = set(sources) - set(COLUMNS)
    if unknown:
        raise ValueError(f"Unknown import files: {unknown}")
    context = PlanContext(sources, lock=lock)
    try:
        sheets = {kind: sheet for kind in sources if (sheet := context.read(kind)) is not None}
        persons = check_persons(context, *sheets[PERSONS]) if PERSONS in sheets else []
        visits = check_visits(context, *sheets[VISITS]) if VISITS in sheets else []
        outcomes = check_outcomes(context, *sheets[OUTCOMES]) if OUTCOMES in sheets else []
        compare_persons(context, persons)
        _resolve_refs(context, visits, outcomes)
        compare_visits(context, visits)
        compare_outcomes(context, outcomes)
    except TooManyProblems:
        pass
    context.plan.sort_problems()
    return context.plan


def _resolve_refs(context: PlanContext, visits: list[VisitRow], outcomes: list[OutcomeRow]) -> None:
    """Refs of visits and outcomes: in the persons file, else in the database; a problem when unknown."""
    person_pks = context.plan.person_pks
    wanted = {row.ref for row in itertools.chain(visits, outcomes)} - context.file_refs
    wanted -= person_pks.keys()
    for chunk in chunks(wanted):
        person_pks.update(Beneficiary.objects.filter(ref__in=chunk).values_list("ref", "pk"))
    known = context.file_refs | person_pks.keys()
    where = " ni dans le fichier des personnes" if PERSONS in context.sources else ""
    for kind, rows in ((VISITS, visits), (OUTCOMES, outcomes)):
        kept = []
        for row in rows:
            if row.ref in known:
                kept.append(row)
            else:
                context.problem(
                    kind, row.line, "ref", f"Référence inconnue « {row.ref} » : aucun dossier{where}."
                )
        rows[:] = kept

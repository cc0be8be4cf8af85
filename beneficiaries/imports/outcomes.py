"""Planning the outcomes file: one outcome per person, type and start date."""

import datetime

from core.spreadsheets import StreamedSheet

from ..bounds import end_before_start_problem, outcome_start_problem
from ..enums import OutcomeKind, WorkingTime
from ..models import Beneficiary, Outcome
from .cells import (
    CellError,
    choice_parser,
    field_length,
    optional_text_parser,
    parse_optional_date,
    parse_required_date,
    parse_text,
    required_text_parser,
)
from .context import PlanContext, chunks
from .formats import OUTCOMES
from .plan import OutcomeRow

_FIELD_LABELS = {"end_date": "date de fin", "working_time": "temps de travail", "employer": "libellé"}
_KINDS = frozenset(OutcomeKind.values)


def parse_outcome_kind(raw) -> str:
    text = parse_text(raw).lower()
    if not text:
        raise CellError("Type de sortie obligatoire.")
    if text not in _KINDS:
        raise CellError(f"Type de sortie inconnu « {text} » (codes possibles : {', '.join(OutcomeKind)}).")
    return text


def parse_outcome_start(raw, *, today: datetime.date) -> datetime.date:
    start = parse_required_date(raw, "Date de début")
    if problem := outcome_start_problem(start, today):
        raise CellError(problem)
    return start


def check_outcomes(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[OutcomeRow]:
    """The valid rows of the outcomes file; a problem for each invalid cell and repeated outcome."""
    parsers = {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "type": parse_outcome_kind,
        "start_date": lambda raw: parse_outcome_start(raw, today=context.today),
        "end_date": parse_optional_date,
        "working_time": choice_parser(WorkingTime.values, "Temps de travail"),
        "label": optional_text_parser(field_length(Outcome, "employer"), "Libellé"),
    }
    rows, seen = [], {}
    for line, _record, values in context.parsed_rows(OUTCOMES, sheet, columns, parsers):
        if values is None:
            continue
        start, end = values["start_date"], values.get("end_date")
        if end is not None and (problem := end_before_start_problem(start, end)):
            context.problem(OUTCOMES, line, "end_date", problem)
            continue
        key = (values["ref"], values["type"], start)
        if key in seen:
            context.problem(
                OUTCOMES,
                line,
                "ref",
                f"Sortie en double : même personne, même type et même début que ligne {seen[key]}.",
            )
            continue
        seen[key] = line
        extra = {}
        if "end_date" in values:
            extra["end_date"] = end
        if "working_time" in values:
            extra["working_time"] = values["working_time"]
        if "label" in values:
            extra["employer"] = values["label"]
        rows.append(OutcomeRow(line, values["ref"], values["type"], start, extra))
    return rows


def compare_outcomes(context: PlanContext, rows: list[OutcomeRow]) -> None:
    """New outcomes, and the end date or label the file changes in stored ones."""
    plan = context.plan
    stored: dict[tuple[int, str, datetime.date], dict] = {}
    person_pks = {pk for row in rows if (pk := context.stored_pk(row.ref)) is not None}
    for chunk in chunks(person_pks):
        for values in (
            Outcome.objects.filter(beneficiary_id__in=chunk)
            .order_by("pk")
            .values("pk", "beneficiary_id", "kind", "start_date", "end_date", "working_time", "employer")
        ):
            stored.setdefault((values["beneficiary_id"], values["kind"], values["start_date"]), values)
    for row in rows:
        if context.free_text_problem(OUTCOMES, row.line, row.ref, {"label": row.values.get("employer")}):
            continue
        found = stored.get((context.stored_pk(row.ref), row.kind, row.start_date))
        if found is None:
            if not context.anonymised_problem(OUTCOMES, row.line, row.ref, new=True):
                plan.new_outcomes.append(row)
                plan.outcomes.created += 1
            continue
        pk = found["pk"]
        fields = {name: value for name, value in row.values.items() if value != found[name]}
        if fields and context.anonymised_problem(OUTCOMES, row.line, row.ref, new=False):
            continue
        if fields:
            plan.outcome_updates.append((pk, fields))
            plan.outcomes.updated += 1
            what = ", ".join(_FIELD_LABELS[name] for name in fields)
            plan.add_change(OUTCOMES, row.line, row.ref, f"sortie : {what}")
        else:
            plan.outcomes.unchanged += 1

"""Planning the visits file: one visit per person and session, its fields and topics.

Each row's session is found (or created) by `sessions.SessionIndex`. A visit
whose kind is empty is a "premier accueil" when it is the person's first
visit ever, else a "suivi". The first format's `referral` cells are planned
by `referrals.py`.
"""

import datetime
from collections import defaultdict

from django.db.models import Min

from core.params import ascii_int
from core.spreadsheets import StreamedSheet

from ..bounds import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, NOTES_MAX_LENGTH, too_early_problem
from ..enums import VisitKind
from ..models import Beneficiary, Topic, Visit
from .cells import (
    CellError,
    field_length,
    optional_text_parser,
    parse_codes,
    parse_optional_date,
    parse_optional_time,
    parse_required_date,
    parse_text,
    past_date_parser,
    required_text_parser,
)
from .context import PlanContext, chunks
from .formats import VISITS
from .plan import ImportPlan, VisitRow
from .referrals import compare_referral_cells, parse_referrals, stored_cells
from .sessions import SessionIndex, venue_parser

_VISIT_KINDS = frozenset(VisitKind.values)
# The fields of a visit a row may give (topics apart), as the preview names them.
VISIT_FIELDS = {
    "kind": "type d'entretien",
    "counsellor_id": "reçu·e par",
    "duration_minutes": "durée",
    "notes": "notes",
    "next_step": "prochaine étape",
    "next_step_due": "échéance",
    "next_step_done_on": "étape faite le",
}
_STORED = ("pk", "beneficiary_id", "permanence_id", *VISIT_FIELDS)


def parse_visit_date(raw, *, today: datetime.date) -> datetime.date:
    day = parse_required_date(raw, "Date du rendez-vous")
    if problem := too_early_problem(day, "Date du rendez-vous"):
        raise CellError(problem)
    if day > today:
        raise CellError(f"Rendez-vous daté dans le futur ({day:%d/%m/%Y}).")
    return day


def parse_visit_kind(raw) -> str:
    """A visit kind, or "" when the cell is empty (deduced later)."""
    text = parse_text(raw).lower()
    if text and text not in _VISIT_KINDS:
        raise CellError(f"Type d'entretien inconnu « {text} » : premier_accueil, suivi ou vide.")
    return text


def parse_minutes(raw) -> int | None:
    text = parse_text(raw)
    if not text:
        return None
    minutes = ascii_int(text)  # "²".isdigit() is true, and int("²") fails
    if minutes is None or not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise CellError(
            f"Durée illisible « {text} » : un nombre entier de minutes, "
            f"de {MIN_DURATION_MINUTES} à {MAX_DURATION_MINUTES}."
        )
    return minutes


def _parsers(context: PlanContext) -> dict:
    topics = {topic.code.lower(): topic.pk for topic in Topic.objects.all()}

    def parse_counsellor(raw) -> int | None:
        pks = context.user_pks(parse_text(raw))
        if len(pks) > 1:
            raise CellError("Un seul compte par rendez-vous : celui de la personne qui a reçu.")
        return pks[0] if pks else None

    return {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "date": lambda raw: parse_visit_date(raw, today=context.today),
        "venue": venue_parser(),
        "start_time": parse_optional_time,
        "kind": parse_visit_kind,
        "counsellor": parse_counsellor,
        "duration_minutes": parse_minutes,
        "topics": lambda raw: frozenset(parse_codes(parse_text(raw), topics, "Thème")),
        "referral": parse_referrals,
        "notes": optional_text_parser(NOTES_MAX_LENGTH, "Notes"),
        "next_step": optional_text_parser(field_length(Visit, "next_step"), "Texte de la prochaine étape"),
        "next_step_due": parse_optional_date,
        "next_step_done_on": past_date_parser("Étape faite le : date", today=context.today),
    }


def check_visits(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[VisitRow]:
    """The valid rows of the visits file; a problem for each invalid cell."""
    rows = []
    for line, _record, values in context.parsed_rows(VISITS, sheet, columns, _parsers(context)):
        if values is None:
            continue
        ref, date, venue_id = values.pop("ref"), values.pop("date"), values.pop("venue")
        start = values.pop("start_time", None)
        if "referral" in values:
            values["referrals"] = values.pop("referral")
            for cell in values["referrals"]:
                if cell.checked_on is not None and cell.checked_on < date:
                    context.problem(
                        VISITS,
                        line,
                        "referral",
                        "La suite d'une orientation est vérifiée après le rendez-vous.",
                    )
        if "counsellor" in values:
            values["counsellor_id"] = values.pop("counsellor")
        if values.get("kind") == "":
            del values["kind"]
        if values.get("next_step_due") and not values.get("next_step"):
            context.problem(
                VISITS,
                line,
                "next_step_due",
                "Une échéance (next_step_due) demande une prochaine étape (next_step).",
            )
            continue
        rows.append(VisitRow(line, ref, date, venue_id, start, values))
    return rows


class StoredVisits:
    """The stored visits of some persons between two dates, with their topics, and
    each person's first visit ever: a few queries per 5,000 persons."""

    def __init__(self, person_pks: set[int], *, start: datetime.date, end: datetime.date):
        self.visits: dict[tuple[int, int], dict] = {}
        self.first_dates: dict[int, datetime.date] = {}
        self.topics: dict[int, set[int]] = defaultdict(set)
        for chunk in chunks(person_pks):
            visits = Visit.objects.filter(beneficiary_id__in=chunk)
            for values in visits.filter(date__gte=start, date__lte=end).values(*_STORED):
                self.visits[values["beneficiary_id"], values["permanence_id"]] = values
            self.first_dates.update(
                visits.values("beneficiary_id")
                .annotate(first=Min("date"))
                .values_list("beneficiary_id", "first")
            )
            through = Visit.topics.through.objects.filter(
                visit__beneficiary_id__in=chunk, visit__date__gte=start, visit__date__lte=end
            )
            for visit_id, topic_id in through.values_list("visit_id", "topic_id"):
                self.topics[visit_id].add(topic_id)


def compare_visits(context: PlanContext, index: SessionIndex, rows: list[VisitRow]) -> None:
    """New visits, and what the file changes in stored ones."""
    plan = context.plan
    rows[:] = _with_sessions(context, index, rows)
    if not rows:
        return
    stored = StoredVisits(
        {pk for row in rows if (pk := context.stored_pk(row.ref)) is not None},
        start=min(row.date for row in rows),
        end=max(row.date for row in rows),
    )
    matched: dict[int, VisitRow] = {}
    for row in rows:
        texts = {"notes": row.values.get("notes"), "next_step": row.values.get("next_step")}
        if context.free_text_problem(VISITS, row.line, row.ref, texts):
            continue
        found = stored.visits.get((context.stored_pk(row.ref), row.permanence.pk))
        if found is not None and row.permanence.pk is not None:
            matched[found["pk"]] = row
        elif not context.anonymised_problem(VISITS, row.line, row.ref, new=True):
            plan.new_visits.append(row)
    _set_first_kinds(context, plan.new_visits, stored.first_dates)
    plan.visits.created = len(plan.new_visits)
    for row in plan.new_visits:
        plan.referrals.created += len(row.values.get("referrals", ()))
    _compare_stored_visits(context, matched, stored)


def _with_sessions(context: PlanContext, index: SessionIndex, rows: list[VisitRow]) -> list[VisitRow]:
    """The rows with their session; a problem for a cancelled one and for two rows of one visit."""
    kept, seen = [], {}
    for row in rows:
        row.permanence = index.for_visit(row)
        if row.permanence is None:
            continue
        key = (row.ref, id(row.permanence))
        if key in seen:
            hint = (
                ""
                if row.start_time
                else " ; deux permanences ce jour-là ? indiquez leur heure de début (start_time)"
            )
            context.problem(
                VISITS,
                row.line,
                "ref",
                f"Rendez-vous en double : même personne, même date et même lieu que ligne {seen[key]}{hint}.",
            )
            continue
        seen[key] = row.line
        kept.append(row)
    return kept


def _set_first_kinds(
    context: PlanContext, rows: list[VisitRow], first_dates: dict[int, datetime.date]
) -> None:
    """A new visit without kind is a "premier accueil" if it is the person's first ever."""
    by_person: dict[str, list[VisitRow]] = defaultdict(list)
    for row in rows:
        by_person[row.ref].append(row)
    for ref, person_rows in by_person.items():
        earliest = min(person_rows, key=lambda row: (row.date, row.line))
        stored_first = first_dates.get(context.stored_pk(ref))
        for row in person_rows:
            if "kind" in row.values:
                continue
            is_first = row is earliest and (stored_first is None or row.date < stored_first)
            row.values["kind"] = VisitKind.FIRST if is_first else VisitKind.FOLLOW_UP


def _compare_stored_visits(context: PlanContext, matched: dict[int, VisitRow], stored: StoredVisits) -> None:
    plan: ImportPlan = context.plan
    by_pk = {values["pk"]: values for values in stored.visits.values()}
    cells = stored_cells([pk for pk, row in matched.items() if row.values.get("referrals")])
    for pk, row in matched.items():
        now = by_pk[pk]
        fields = {name: row.values[name] for name in VISIT_FIELDS if name in row.values}
        fields = {name: value for name, value in fields.items() if value != now[name]}
        what = [VISIT_FIELDS[name] for name in fields]
        if "topics" in row.values and set(row.values["topics"]) != stored.topics[pk]:
            plan.topic_changes[pk] = set(row.values["topics"])
            what.append("thèmes")
        what += compare_referral_cells(plan, pk, row, cells.get(pk, {}))
        if what and context.anonymised_problem(VISITS, row.line, row.ref, new=False):
            continue
        if fields:
            plan.visit_updates.append((pk, fields))
        if what:
            plan.visits.updated += 1
            plan.add_change(VISITS, row.line, row.ref, f"rendez-vous : {', '.join(what)}")
        else:
            plan.visits.unchanged += 1

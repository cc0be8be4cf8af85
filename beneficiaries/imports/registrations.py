"""Planning the workshop registrations file: one registration per person and
workshop (named by its venue, day and start time), with a place or on the
waiting list, and its attendance.

A new registration without a status gets a place while there is one, else
goes on the waiting list, in the order of the file, as at the desk. Then the
workshops are checked as the files leave them: no more registrations with a
place than places, no attendance on the waiting list, in a cancelled workshop
or in a coming one.
"""

from collections import defaultdict

from core.spreadsheets import StreamedSheet

from ..enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from ..models import Beneficiary, Workshop, WorkshopRegistration
from .cells import choice_parser, field_length, parse_required_date, required_text_parser
from .context import PlanContext, chunks
from .formats import REGISTRATIONS, WORKSHOPS
from .plan import RegistrationRow
from .sessions import required_time, venue_parser
from .workshops import WorkshopIndex

_FIELD_LABELS = {"status": "inscription", "attendance": "présence"}
REGISTERED, WAITING = RegistrationStatus.REGISTERED, RegistrationStatus.WAITING


def check_registrations(
    context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]
) -> list[RegistrationRow]:
    """The valid rows of the registrations file; a problem for each invalid cell and repeated row."""
    parsers = {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "date": lambda raw: parse_required_date(raw, "Date de l'atelier"),
        "venue": venue_parser(),
        "start_time": lambda raw: required_time(raw, "Heure de début de l'atelier"),
        "status": choice_parser(["", *RegistrationStatus.values], "Inscription"),
        "attendance": choice_parser(AttendanceMark.values, "Présence"),
    }
    rows, seen = [], {}
    for line, _record, values in context.parsed_rows(REGISTRATIONS, sheet, columns, parsers):
        if values is None:
            continue
        ref, date, venue_id, start = (values.pop(name) for name in ("ref", "date", "venue", "start_time"))
        if values.get("status") == "":
            del values["status"]
        if values.get("status") == WAITING and values.get("attendance"):
            context.problem(
                REGISTRATIONS,
                line,
                "attendance",
                "En liste d'attente, la personne n'a pas de place : sa présence ne se note pas.",
            )
            continue
        key = (ref, venue_id, date, start)
        if key in seen:
            context.problem(
                REGISTRATIONS,
                line,
                "ref",
                f"Inscription en double : même personne et même atelier que ligne {seen[key]}.",
            )
            continue
        seen[key] = line
        rows.append(RegistrationRow(line, ref, venue_id, date, start, values))
    return rows


def compare_registrations(context: PlanContext, index: WorkshopIndex, rows: list[RegistrationRow]) -> None:
    """New registrations and what the file changes in stored ones, then the places and
    attendance of every workshop the files touch."""
    plan = context.plan
    rows[:] = _with_workshops(context, index, rows)
    touched = [w for w in index.by_key.values() if id(w) in index.lines] + [row.workshop for row in rows]
    stored = _stored({w.pk for w in touched if w.pk is not None})
    for row in rows:
        found = stored.get((row.workshop.pk, context.stored_pk(row.ref))) if row.workshop.pk else None
        if found is None:
            if not context.anonymised_problem(REGISTRATIONS, row.line, row.ref, new=True):
                plan.new_registrations.append(row)
                plan.registrations.created += 1
            continue
        fields = {name: value for name, value in row.values.items() if value != found[name]}
        if fields and context.anonymised_problem(REGISTRATIONS, row.line, row.ref, new=False):
            continue
        found.update(fields)
        if fields:
            plan.registration_updates.append((found["pk"], fields))
            plan.registrations.updated += 1
            what = ", ".join(_FIELD_LABELS[name] for name in fields)
            plan.add_change(REGISTRATIONS, row.line, row.ref, f"inscription : {what}")
        else:
            plan.registrations.unchanged += 1
    lines = {id(row.workshop): row.line for row in rows}
    _check_workshops(context, index, touched, stored, lines)


def _with_workshops(context: PlanContext, index: WorkshopIndex, rows: list[RegistrationRow]) -> list:
    kept = []
    for row in rows:
        row.workshop = index.at(row.venue_id, row.date, row.start_time)
        if row.workshop is None:
            context.problem(
                REGISTRATIONS,
                row.line,
                "start_time",
                f"Atelier inconnu : aucun atelier le {row.date:%d/%m/%Y} à {row.start_time:%H:%M} dans ce "
                "lieu, ni enregistré ni dans le fichier des ateliers.",
            )
        else:
            kept.append(row)
    return kept


def _stored(workshop_pks: set[int]) -> dict[tuple[int, int], dict]:
    """The stored registrations of these workshops, by workshop and person, in their order."""
    stored = {}
    for chunk in chunks(workshop_pks):
        registrations = WorkshopRegistration.objects.filter(workshop_id__in=chunk).order_by("pk")
        for values in registrations.values("pk", "workshop_id", "beneficiary_id", "status", "attendance"):
            stored[values["workshop_id"], values["beneficiary_id"]] = values
    return stored


def _check_workshops(
    context: PlanContext, index: WorkshopIndex, touched: list, stored: dict, lines: dict[int, int]
) -> None:
    """Places given in order to new registrations without a status; then each
    workshop's places and attendance, as the files leave them (a problem on the
    workshop's line of the workshops file, else on its last registration row)."""
    new_rows: dict[int, list[RegistrationRow]] = defaultdict(list)
    for row in context.plan.new_registrations:
        new_rows[id(row.workshop)].append(row)
    kept: dict[int, list[dict]] = defaultdict(list)
    for values in stored.values():
        kept[values["workshop_id"]].append(values)
    for workshop in {id(w): w for w in touched}.values():
        news = new_rows[id(workshop)]
        old = kept.get(workshop.pk, []) if workshop.pk else []
        taken = sum(v["status"] == REGISTERED for v in old) + sum(
            r.values.get("status") == REGISTERED for r in news
        )
        for row in news:
            if "status" not in row.values:
                row.values["status"] = REGISTERED if taken < workshop.capacity else WAITING
                taken += row.values["status"] == REGISTERED
        marks = [v for v in old if v["attendance"]] + [r.values for r in news if r.values.get("attendance")]
        line = index.lines.get(id(workshop))
        where = (WORKSHOPS, line) if line else (REGISTRATIONS, lines.get(id(workshop)))
        _check_one(context, where, workshop, taken, marks)


def _check_one(context: PlanContext, where: tuple[str, int | None], workshop: Workshop, taken, marks) -> None:
    kind, line = where
    place = f"Atelier du {workshop.date:%d/%m/%Y} à {workshop.start_time:%H:%M}"
    if taken > workshop.capacity:
        message = f"{place} : {taken} inscriptions avec une place pour {workshop.capacity} places."
        context.problem(kind, line, "capacity" if kind == WORKSHOPS else "status", message)
    if any(values["status"] == WAITING for values in marks):
        context.problem(
            kind,
            line,
            "attendance" if kind == REGISTRATIONS else "capacity",
            f"{place} : une personne en liste d'attente n'a pas de place, sa présence ne se note pas.",
        )
    if not marks:
        return
    if workshop.status == WorkshopStatus.CANCELLED:
        context.problem(
            kind, line, "status", f"{place} : des présences sont notées, il ne peut pas être annulé."
        )
    elif workshop.date > context.today:
        context.problem(kind, line, "date", f"{place} : à venir, les présences ne peuvent pas être notées.")

"""Planning the workshops file: one workshop per venue, day and start time, with
its end, theme, number of places, who runs it (an account, or the name of a
partner's facilitator) and whether it is cancelled.

`WorkshopIndex` holds the stored workshops the workshops and registrations
files name, and those the workshops file creates: a registration row finds its
workshop there, and the places are counted on it (registrations.py).
"""

import datetime

from core.params import ascii_int
from core.spreadsheets import StreamedSheet

from ..bounds import FACILITATOR_NAME_MAX_LENGTH, MAX_CAPACITY, MIN_CAPACITY, workshop_date_problem
from ..enums import WorkshopStatus
from ..models import Workshop, WorkshopTheme
from .cells import (
    CellError,
    choice_parser,
    field_length,
    optional_text_parser,
    parse_required_date,
    parse_text,
)
from .context import PlanContext
from .formats import WORKSHOPS
from .plan import RegistrationRow, WorkshopRow
from .sessions import required_time, venue_parser

FIELD_LABELS = {
    "end_time": "heure de fin",
    "theme_id": "thème",
    "capacity": "capacité",
    "facilitator_id": "animé par (compte)",
    "facilitator_name": "animé par (intervenant)",
    "status": "statut",
    "cancel_reason": "motif d'annulation",
}

Key = tuple[int, datetime.date, datetime.time]


def parse_capacity(raw) -> int:
    text = parse_text(raw)
    number = ascii_int(text)
    if number is None or not MIN_CAPACITY <= number <= MAX_CAPACITY:
        raise CellError(
            f"Capacité illisible « {text} » : un nombre entier de places, de {MIN_CAPACITY} à {MAX_CAPACITY}."
        )
    return number


def parse_workshop_date(raw, *, today: datetime.date) -> datetime.date:
    day = parse_required_date(raw, "Date de l'atelier")
    if problem := workshop_date_problem(day, today):
        raise CellError(problem)
    return day


def _parsers(context: PlanContext) -> dict:
    themes = {theme.code.lower(): theme.pk for theme in WorkshopTheme.objects.all()}

    def parse_theme(raw) -> int:
        code = parse_text(raw).lower()
        if code not in themes:
            known = ", ".join(sorted(themes))
            raise CellError(f"Thème d'atelier inconnu « {code} » (codes possibles : {known}).")
        return themes[code]

    def parse_facilitator(raw) -> int | None:
        pks = context.user_pks(parse_text(raw))
        if len(pks) > 1:
            raise CellError(
                "Un seul compte anime un atelier ; un intervenant extérieur va dans facilitator_name."
            )
        return pks[0] if pks else None

    return {
        "venue": venue_parser(),
        "date": lambda raw: parse_workshop_date(raw, today=context.today),
        "start_time": lambda raw: required_time(raw, "Heure de début"),
        "end_time": lambda raw: required_time(raw, "Heure de fin"),
        "theme": parse_theme,
        "capacity": parse_capacity,
        "facilitator": parse_facilitator,
        "facilitator_name": optional_text_parser(FACILITATOR_NAME_MAX_LENGTH, "Nom de l'intervenant"),
        "status": choice_parser(["", *WorkshopStatus.values], "Statut"),
        "cancel_reason": optional_text_parser(field_length(Workshop, "cancel_reason"), "Motif d'annulation"),
    }


def check_workshops(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[WorkshopRow]:
    """The valid rows of the workshops file; a problem for each invalid cell, row or repeated workshop."""
    rows, seen = [], {}
    for line, _record, values in context.parsed_rows(WORKSHOPS, sheet, columns, _parsers(context)):
        if values is None:
            continue
        venue_id, date, start = values.pop("venue"), values.pop("date"), values.pop("start_time")
        values["theme_id"] = values.pop("theme")
        if "facilitator" in values:
            values["facilitator_id"] = values.pop("facilitator")
        if values.get("status") == "":
            values["status"] = WorkshopStatus.PLANNED
        if values["end_time"] <= start:
            context.problem(WORKSHOPS, line, "end_time", "L'heure de fin doit être après l'heure de début.")
            continue
        key = (venue_id, date, start)
        if key in seen:
            context.problem(
                WORKSHOPS,
                line,
                "start_time",
                f"Atelier en double : même lieu, même jour, même heure que ligne {seen[key]}.",
            )
            continue
        seen[key] = line
        rows.append(WorkshopRow(line, venue_id, date, start, values))
    return rows


class WorkshopIndex:
    """The stored workshops of the venues and days the files name, and the new ones
    of the workshops file; `lines` says which line of that file gave each."""

    def __init__(self, rows: list[WorkshopRow | RegistrationRow]):
        self.by_key: dict[Key, Workshop] = {}
        self.lines: dict[int, int] = {}  # id() of a workshop -> its line in the workshops file
        if not rows:
            return
        days = [row.date for row in rows]
        stored = Workshop.objects.filter(
            venue_id__in={row.venue_id for row in rows}, date__gte=min(days), date__lte=max(days)
        ).select_related("venue")
        for workshop in stored:
            self.by_key[workshop.venue_id, workshop.date, workshop.start_time] = workshop

    def at(self, venue_id: int, day: datetime.date, start: datetime.time) -> Workshop | None:
        return self.by_key.get((venue_id, day, start))


def compare_workshops(context: PlanContext, index: WorkshopIndex, rows: list[WorkshopRow]) -> None:
    """New workshops, and what the file changes in stored ones (applied to the index's
    copies, so that the registrations are checked against the workshops as they will be)."""
    plan = context.plan
    for row in rows:
        workshop = index.at(row.venue_id, row.date, row.start_time)
        if workshop is None:
            workshop = Workshop(venue_id=row.venue_id, date=row.date, start_time=row.start_time, **row.values)
            index.by_key[row.venue_id, row.date, row.start_time] = workshop
        fields = {name: value for name, value in row.values.items() if getattr(workshop, name) != value}
        for name, value in fields.items():
            setattr(workshop, name, value)
        index.lines[id(workshop)] = row.line
        if problem := _workshop_problem(workshop):
            context.problem(WORKSHOPS, row.line, *problem)
        elif workshop.pk is None:
            plan.new_workshops.append(workshop)
            plan.workshops.created += 1
        elif fields:
            plan.workshop_updates.append((workshop.pk, fields))
            plan.workshops.updated += 1
            what = ", ".join(FIELD_LABELS[name] for name in fields)
            plan.add_change(WORKSHOPS, row.line, "", f"atelier : {what}")
        else:
            plan.workshops.unchanged += 1


def _workshop_problem(workshop: Workshop) -> tuple[str, str] | None:
    """What the database would refuse of the workshop as the file leaves it."""
    if workshop.status == WorkshopStatus.CANCELLED and not workshop.cancel_reason:
        return "cancel_reason", "Indiquez le motif de l'annulation."
    if workshop.facilitator_id and workshop.facilitator_name:
        return (
            "facilitator_name",
            "Un compte (facilitator) ou le nom d'un intervenant (facilitator_name), pas les deux.",
        )
    return None

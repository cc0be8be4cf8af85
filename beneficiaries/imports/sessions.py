"""The sessions (permanences): the sessions file, and the session of each visit.

A session is one venue, day and start time. The sessions file creates the
sessions it lists, with their end, status, cancellation reason and
counsellors, or updates them. A visit row names its session by its start
time; without one, it is the session of the venue that day (held preferably,
else planned, which becomes held; the earliest if there are several). A
visit in no session creates a held one: at the times of the venue's weekly
slot of that weekday (starting at the row's start time if it gives one),
else from DEFAULT_START to DEFAULT_END, or for three hours from the row's
start time. A session of the sessions file is linked to the weekly slot
valid that day that starts at its time.
"""

import datetime
from collections import defaultdict

from core.spreadsheets import StreamedSheet
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue, WeeklySlot

from ..bounds import too_early_problem
from ..models import Visit
from .cells import (
    CellError,
    choice_parser,
    field_length,
    name_parser,
    optional_text_parser,
    parse_optional_time,
    parse_required_date,
    parse_text,
)
from .context import PlanContext, chunks
from .formats import SESSIONS, VISITS
from .plan import SessionRow, VisitRow

# A session created for a visit without a weekly slot: the usual morning opening of the drop-ins.
DEFAULT_START = datetime.time(9, 30)
DEFAULT_LENGTH = datetime.timedelta(hours=3)
DEFAULT_END = datetime.time(12, 30)
_LAST_MINUTE = datetime.time(23, 59)
_FIELD_LABELS = {
    "end_time": "heure de fin",
    "status": "statut",
    "cancel_reason": "motif d'annulation",
    "counsellors": "conseillers",
}


def venue_parser():
    find_venue = name_parser(Venue.objects.all(), "Lieu d'accueil")

    def parse_venue(raw) -> int:
        name = parse_text(raw)
        if not name:
            raise CellError("Lieu d'accueil obligatoire.")
        return find_venue(name).pk

    return parse_venue


def parse_session_date(raw) -> datetime.date:
    day = parse_required_date(raw, "Date de la permanence")
    if problem := too_early_problem(day, "Date de la permanence"):
        raise CellError(problem)
    return day


def required_time(raw, what: str) -> datetime.time:
    time = parse_optional_time(raw)
    if time is None:
        raise CellError(f"{what} obligatoire.")
    return time


def check_sessions(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[SessionRow]:
    """The valid rows of the sessions file; a problem for each invalid cell, row or repeated session."""
    parsers = {
        "venue": venue_parser(),
        "date": parse_session_date,
        "start_time": lambda raw: required_time(raw, "Heure de début"),
        "end_time": lambda raw: required_time(raw, "Heure de fin"),
        "status": choice_parser(["", *PermanenceStatus.values], "Statut"),
        "cancel_reason": optional_text_parser(
            field_length(Permanence, "cancel_reason"), "Motif d'annulation"
        ),
        "counsellors": lambda raw: frozenset(context.user_pks(parse_text(raw))),
    }
    rows, seen = [], {}
    for line, _record, values in context.parsed_rows(SESSIONS, sheet, columns, parsers):
        if values is None:
            continue
        venue_id, date, start = values.pop("venue"), values.pop("date"), values.pop("start_time")
        if values.get("status") == "":
            values["status"] = PermanenceStatus.HELD if date <= context.today else PermanenceStatus.PLANNED
        if problem := _session_problem(date, start, values, context.today):
            context.problem(SESSIONS, line, problem[0], problem[1])
            continue
        key = (venue_id, date, start)
        if key in seen:
            context.problem(
                SESSIONS,
                line,
                "start_time",
                f"Permanence en double : même lieu, même jour, même heure que ligne {seen[key]}.",
            )
            continue
        seen[key] = line
        rows.append(SessionRow(line, venue_id, date, start, values))
    return rows


def _session_problem(date, start, values, today) -> tuple[str, str] | None:
    if values["end_time"] <= start:
        return "end_time", "L'heure de fin doit être après l'heure de début."
    status = values.get("status")
    if status == PermanenceStatus.CANCELLED and not values.get("cancel_reason"):
        return "cancel_reason", "Indiquez le motif de l'annulation."
    if status == PermanenceStatus.HELD and date > today:
        return "status", f"Une permanence à venir ({date:%d/%m/%Y}) ne peut pas être déjà tenue."
    return None


class SessionIndex:
    """The sessions of some venues between two days, stored or created by this import."""

    def __init__(self, context: PlanContext, venues: set[int], start: datetime.date, end: datetime.date):
        self.context = context
        self.by_day: dict[tuple[int, datetime.date], list[Permanence]] = defaultdict(list)
        self.touched: set[int] = set()  # id() of the sessions the files use
        self.changed: set[int] = set()
        stored = Permanence.objects.filter(date__gte=start, date__lte=end, venue_id__in=venues)
        for permanence in stored.order_by("start_time", "pk"):
            self.by_day[permanence.venue_id, permanence.date].append(permanence)
        self.slots: dict[tuple[int, int], list[WeeklySlot]] = defaultdict(list)
        for slot in WeeklySlot.objects.filter(venue_id__in=venues).order_by("start_time", "pk"):
            self.slots[slot.venue_id, slot.weekday].append(slot)

    def at(self, venue_id: int, day: datetime.date, start: datetime.time) -> Permanence | None:
        return next((p for p in self.by_day.get((venue_id, day), ()) if p.start_time == start), None)

    def slot(self, venue_id: int, day: datetime.date, start: datetime.time | None) -> WeeklySlot | None:
        """The weekly slot valid that day (starting at `start` when given)."""
        return next(
            (
                slot
                for slot in self.slots.get((venue_id, day.weekday()), [])
                if slot.is_valid_on(day) and start in (None, slot.start_time)
            ),
            None,
        )

    def create(self, venue_id: int, day: datetime.date, start: datetime.time | None, **fields) -> Permanence:
        slot = self.slot(venue_id, day, start)
        if start is None:
            start = slot.start_time if slot else DEFAULT_START
            end = slot.end_time if slot else DEFAULT_END
        else:
            later = datetime.datetime.combine(day, start) + DEFAULT_LENGTH
            end = slot.end_time if slot else (later.time() if later.date() == day else _LAST_MINUTE)
        permanence = Permanence(
            venue_id=venue_id, date=day, start_time=start, slot=slot, status=PermanenceStatus.HELD
        )
        permanence.end_time = end
        for name, value in fields.items():
            setattr(permanence, name, value)
        day_sessions = self.by_day[venue_id, day]
        day_sessions.append(permanence)
        day_sessions.sort(key=lambda p: p.start_time)
        self.context.plan.new_permanences.append(permanence)
        self.touched.add(id(permanence))
        return permanence

    def for_visit(self, row: VisitRow) -> Permanence | None:
        """The session of a visit row, created if needed; None (and a problem) when it is cancelled."""
        day_sessions = self.by_day.get((row.venue_id, row.date), [])
        if row.start_time is not None:
            permanence = self.at(row.venue_id, row.date, row.start_time)
        else:
            usable = [p for p in day_sessions if p.status != PermanenceStatus.CANCELLED]
            held = [p for p in usable if p.status == PermanenceStatus.HELD]
            permanence = (held or usable or [None])[0]
            if permanence is None and day_sessions:
                self._cancelled(row)
                return None
        if permanence is None:
            return self.create(row.venue_id, row.date, row.start_time)
        if permanence.status == PermanenceStatus.CANCELLED:
            self._cancelled(row)
            return None
        if permanence.status == PermanenceStatus.PLANNED:
            self._hold(permanence)
        self.touched.add(id(permanence))
        return permanence

    def _cancelled(self, row: VisitRow) -> None:
        self.context.problem(
            VISITS,
            row.line,
            "date",
            f"La permanence du {row.date:%d/%m/%Y} dans ce lieu est annulée : "
            "corrigez la date ou rétablissez la permanence.",
        )

    def _hold(self, permanence: Permanence) -> None:
        permanence.status = PermanenceStatus.HELD
        if permanence.pk is not None:
            self.context.plan.permanences_to_hold.add(permanence.pk)
            self.changed.add(id(permanence))

    def tally(self) -> None:
        plan = self.context.plan
        plan.permanences.created = len(plan.new_permanences)
        plan.permanences.updated = len(self.changed)
        plan.permanences.unchanged = len(self.touched) - plan.permanences.created - plan.permanences.updated


def compare_sessions(context: PlanContext, index: SessionIndex, rows: list[SessionRow]) -> None:
    """New sessions of the sessions file, and what it changes in stored ones."""
    stored = [p.pk for row in rows if (p := index.at(row.venue_id, row.date, row.start_time)) is not None]
    counsellors, with_visits = _stored_links(stored)
    for row in rows:
        permanence = index.at(row.venue_id, row.date, row.start_time)
        values = dict(row.values)
        names = values.pop("counsellors", None)
        if permanence is None:
            if "status" not in values:
                values["status"] = (
                    PermanenceStatus.HELD if row.date <= context.today else PermanenceStatus.PLANNED
                )
            permanence = index.create(row.venue_id, row.date, row.start_time, **values)
            if names:
                context.plan.counsellor_links.append((permanence, names))
            continue
        index.touched.add(id(permanence))
        fields = {name: value for name, value in values.items() if getattr(permanence, name) != value}
        if (
            fields.get("status", PermanenceStatus.HELD) != PermanenceStatus.HELD
            and permanence.pk in with_visits
        ):
            context.problem(
                SESSIONS,
                row.line,
                "status",
                "Des rendez-vous sont notés dans cette permanence : elle reste tenue.",
            )
            continue
        what = [_FIELD_LABELS[name] for name in fields]
        if names is not None and names != counsellors.get(permanence.pk, frozenset()):
            context.plan.counsellor_links.append((permanence.pk, names))
            what.append(_FIELD_LABELS["counsellors"])
        if what:
            for name, value in fields.items():
                setattr(permanence, name, value)
            if fields:
                context.plan.permanence_updates.append((permanence.pk, fields))
            index.changed.add(id(permanence))
            context.plan.add_change(SESSIONS, row.line, "", f"permanence : {', '.join(what)}")


def _stored_links(pks: list[int]) -> tuple[dict[int, frozenset[int]], set[int]]:
    """The counsellors of stored sessions, and those of them with visits."""
    counsellors: dict[int, set[int]] = defaultdict(set)
    with_visits: set[int] = set()
    through = Permanence.counsellors.through
    for chunk in chunks(pks):
        for permanence_id, user_id in through.objects.filter(permanence_id__in=chunk).values_list(
            "permanence_id", "user_id"
        ):
            counsellors[permanence_id].add(user_id)
        with_visits.update(
            Visit.objects.filter(permanence_id__in=chunk).values_list("permanence_id", flat=True).distinct()
        )
    return {pk: frozenset(users) for pk, users in counsellors.items()}, with_visits

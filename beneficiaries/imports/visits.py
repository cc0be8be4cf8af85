"""Planning the visits file: one visit per person and permanence, its topics and referrals.

A visit at a venue on a day without a permanence there creates a held
permanence for that day, at the times of the venue's weekly slot of that
weekday when there is one, else DEFAULT_START–DEFAULT_END. A visit whose kind
is empty is a "premier accueil" when it is the person's first visit ever,
else a "suivi".
"""

import datetime
from collections import defaultdict

from django.db.models import Min

from core.spreadsheets import Sheet
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue, WeeklySlot

from ..bounds import NOTES_MAX_LENGTH, too_early_problem
from ..enums import Partner, ReferralStatus, VisitKind
from ..models import Beneficiary, Referral, Topic, Visit
from .cells import (
    CellError,
    field_length,
    name_parser,
    optional_text_parser,
    parse_codes,
    parse_date_text,
    parse_required_date,
    parse_text,
    required_text_parser,
)
from .context import PlanContext, chunks
from .plan import LIST_SEPARATOR, VISITS, ImportPlan, ReferralCell, VisitRow

# The times of a permanence created for a visit at a venue without a weekly
# slot on that weekday: the usual morning opening of the drop-ins.
DEFAULT_START = datetime.time(9, 30)
DEFAULT_END = datetime.time(12, 30)

_PARTNERS = {value: value for value in Partner.values}
_STATUSES = frozenset(ReferralStatus.values)
_VISIT_KINDS = frozenset(VisitKind.values)


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


def parse_referrals(raw) -> tuple[ReferralCell, ...]:
    """The referrals of a visit, one per partner (the first one written wins)."""
    cells: dict[str, ReferralCell] = {}
    for item in parse_text(raw).split(LIST_SEPARATOR):
        parts = [part.strip() for part in item.split(":")]
        if not parts[0]:
            continue
        if len(parts) > 3:
            raise CellError(f"Orientation illisible « {item.strip()} » : partenaire[:suite[:date]].")
        [partner] = parse_codes(parts[0], _PARTNERS, "Partenaire")
        status = (parts[1] if len(parts) > 1 else "").lower() or ReferralStatus.PROPOSED
        if status not in _STATUSES:
            codes = ", ".join(ReferralStatus)
            raise CellError(f"Suite d'orientation inconnue « {status} » (codes possibles : {codes}).")
        checked_on = parse_date_text(parts[2]) if len(parts) > 2 and parts[2] else None
        if status == ReferralStatus.PROPOSED and checked_on is not None:
            raise CellError("Une orientation sans suite connue (proposed) n'a pas de date de vérification.")
        cells.setdefault(partner, ReferralCell(partner, status, checked_on))
    return tuple(cells.values())


def _parsers(context: PlanContext) -> dict:
    find_venue = name_parser(Venue.objects.all(), "Lieu d'accueil")
    topics = {topic.code.lower(): topic.pk for topic in Topic.objects.all()}

    def parse_venue(raw) -> int:
        name = parse_text(raw)
        if not name:
            raise CellError("Lieu d'accueil obligatoire.")
        return find_venue(name).pk

    return {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "date": lambda raw: parse_visit_date(raw, today=context.today),
        "venue": parse_venue,
        "kind": parse_visit_kind,
        "topics": lambda raw: frozenset(parse_codes(parse_text(raw), topics, "Thème")),
        "referral": parse_referrals,
        "notes": optional_text_parser(NOTES_MAX_LENGTH, "Notes"),
    }


def check_visits(context: PlanContext, sheet: Sheet, columns: dict[str, int]) -> list[VisitRow]:
    """The valid rows of the visits file; a problem for each invalid cell and repeated visit."""
    rows, seen = [], {}
    for line, _record, values in context.parsed_rows(VISITS, sheet, columns, _parsers(context)):
        if values is None:
            continue
        key = (values["ref"], values["date"], values["venue"])
        if key in seen:
            context.problem(
                VISITS,
                line,
                "ref",
                f"Rendez-vous en double : même personne, même date et même lieu que ligne {seen[key]}.",
            )
            continue
        seen[key] = line
        ref, date, venue_id = values.pop("ref"), values.pop("date"), values.pop("venue")
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
        if values.get("kind") == "":
            del values["kind"]
        rows.append(VisitRow(line, ref, date, venue_id, values))
    return rows


class StoredVisits:
    """The stored visits of some persons between two dates, with their topics and
    referrals, and each person's first visit ever: a few queries per 5,000 persons."""

    def __init__(self, person_pks: set[int], *, start: datetime.date, end: datetime.date):
        self.visits: dict[tuple[int, int], tuple[int, str, str]] = {}
        self.first_dates: dict[int, datetime.date] = {}
        self.topics: dict[int, set[int]] = defaultdict(set)
        # visit -> partner -> (referral pk, status, checked on)
        self.referrals: dict[int, dict[str, tuple[int, str, datetime.date | None]]] = defaultdict(dict)
        for chunk in chunks(person_pks):
            visits = Visit.objects.filter(beneficiary_id__in=chunk)
            in_range = {
                "visit__beneficiary_id__in": chunk,
                "visit__date__gte": start,
                "visit__date__lte": end,
            }
            self.visits.update(
                ((person, permanence), (pk, kind, notes))
                for pk, person, permanence, kind, notes in visits.filter(
                    date__gte=start, date__lte=end
                ).values_list("pk", "beneficiary_id", "permanence_id", "kind", "notes")
            )
            self.first_dates.update(
                visits.values("beneficiary_id")
                .annotate(first=Min("date"))
                .values_list("beneficiary_id", "first")
            )
            through = Visit.topics.through.objects.filter(**in_range)
            for visit_id, topic_id in through.values_list("visit_id", "topic_id"):
                self.topics[visit_id].add(topic_id)
            for pk, visit_id, partner, status, checked_on in Referral.objects.filter(**in_range).values_list(
                "pk", "visit_id", "partner", "status", "checked_on"
            ):
                self.referrals[visit_id].setdefault(partner, (pk, status, checked_on))


def compare_visits(context: PlanContext, rows: list[VisitRow]) -> None:
    """New visits, and what the file changes in stored ones (kind, notes, topics, referrals)."""
    if not rows:
        return
    plan = context.plan
    _attach_permanences(context, rows)
    if not rows:
        return
    stored = StoredVisits(
        {pk for row in rows if (pk := context.stored_pk(row.ref)) is not None},
        start=min(row.date for row in rows),
        end=max(row.date for row in rows),
    )
    matched: dict[int, VisitRow] = {}
    for row in rows:
        pk = context.stored_pk(row.ref)
        key = (pk, row.permanence.pk)
        if pk is not None and row.permanence.pk is not None and key in stored.visits:
            matched[stored.visits[key][0]] = row
        else:
            plan.new_visits.append(row)
    _set_first_kinds(context, plan.new_visits, stored.first_dates)
    plan.visits.created = len(plan.new_visits)
    for row in plan.new_visits:
        plan.referrals.created += len(row.values.get("referrals", ()))
    _compare_stored_visits(plan, matched, stored)


def _attach_permanences(context: PlanContext, rows: list[VisitRow]) -> None:
    """The permanence of each visit: held or planned at the venue that day, else a new one."""
    plan = context.plan
    start, end = min(row.date for row in rows), max(row.date for row in rows)
    venues = {row.venue_id for row in rows}
    by_day: dict[tuple[int, datetime.date], list[Permanence]] = defaultdict(list)
    stored = Permanence.objects.filter(date__gte=start, date__lte=end, venue_id__in=venues).only(
        "pk", "venue_id", "date", "start_time", "status"
    )
    for permanence in stored.order_by("start_time"):
        by_day[permanence.venue_id, permanence.date].append(permanence)
    chosen: dict[tuple[int, datetime.date], Permanence] = {}
    for key, permanences in by_day.items():
        usable = [p for p in permanences if p.status != PermanenceStatus.CANCELLED]
        if usable:
            held = [p for p in usable if p.status == PermanenceStatus.HELD]
            chosen[key] = (held or usable)[0]
    slots = _weekly_slots(venues)
    used: set[int] = set()
    kept = []
    for row in rows:
        key = (row.venue_id, row.date)
        permanence = chosen.get(key)
        if permanence is None and key in by_day:
            context.problem(
                VISITS,
                row.line,
                "date",
                f"La permanence du {row.date:%d/%m/%Y} dans ce lieu est annulée : "
                "corrigez la date ou rétablissez la permanence.",
            )
            continue
        if permanence is None:
            permanence = chosen[key] = _new_permanence(slots, *key)
            plan.new_permanences.append(permanence)
        elif permanence.status == PermanenceStatus.PLANNED:
            plan.permanences_to_hold.add(permanence.pk)
        used.add(id(permanence))
        row.permanence = permanence
        kept.append(row)
    rows[:] = kept
    plan.permanences.created = len(plan.new_permanences)
    plan.permanences.updated = len(plan.permanences_to_hold)
    plan.permanences.unchanged = len(used) - plan.permanences.created - plan.permanences.updated


def _weekly_slots(venues: set[int]) -> dict[tuple[int, int], list[WeeklySlot]]:
    """The weekly slots of these venues by venue and weekday, earliest opening first."""
    slots: dict[tuple[int, int], list[WeeklySlot]] = defaultdict(list)
    for slot in WeeklySlot.objects.filter(venue_id__in=venues).order_by("start_time"):
        slots[slot.venue_id, slot.weekday].append(slot)
    return slots


def _new_permanence(
    slots: dict[tuple[int, int], list[WeeklySlot]], venue_id: int, day: datetime.date
) -> Permanence:
    """A held permanence at the times of the venue's slot valid that day, else the default times."""
    slot = next((slot for slot in slots.get((venue_id, day.weekday()), []) if slot.is_valid_on(day)), None)
    return Permanence(
        venue_id=venue_id,
        date=day,
        start_time=slot.start_time if slot else DEFAULT_START,
        end_time=slot.end_time if slot else DEFAULT_END,
        slot=slot,
        status=PermanenceStatus.HELD,
    )


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


def _compare_stored_visits(plan: ImportPlan, matched: dict[int, VisitRow], stored: StoredVisits) -> None:
    kinds_and_notes = {pk: (kind, notes) for pk, kind, notes in stored.visits.values()}
    for pk, row in matched.items():
        kind, notes = kinds_and_notes[pk]
        what, fields = [], {}
        if row.values.get("kind", kind) != kind:
            fields["kind"] = row.values["kind"]
            what.append("type d'entretien")
        if row.values.get("notes", notes) != notes:
            fields["notes"] = row.values["notes"]
            what.append("notes")
        if "topics" in row.values and set(row.values["topics"]) != stored.topics[pk]:
            plan.topic_changes[pk] = set(row.values["topics"])
            what.append("thèmes")
        what += _compare_referrals(plan, pk, row, stored.referrals[pk])
        if fields:
            plan.visit_updates.append((pk, fields))
        if what:
            plan.visits.updated += 1
            plan.add_change(VISITS, row.line, row.ref, f"rendez-vous : {', '.join(what)}")
        else:
            plan.visits.unchanged += 1


def _compare_referrals(
    plan: ImportPlan, visit_pk: int, row: VisitRow, stored: dict[str, tuple[int, str, datetime.date | None]]
) -> list[str]:
    """The referrals of a stored visit: new partners added, new results recorded; what changes, in words."""
    cells = row.values.get("referrals", ())
    missing = [cell for cell in cells if cell.partner not in stored]
    plan.new_referrals.extend((visit_pk, cell, row.date, row.ref) for cell in missing)
    plan.referrals.created += len(missing)
    changed = 0
    for cell in cells:
        if cell.partner not in stored:
            continue
        referral_pk, status, checked_on = stored[cell.partner]
        # A file without results (partner codes only) never undoes a result.
        if cell.status == ReferralStatus.PROPOSED or (cell.status, cell.checked_on) == (status, checked_on):
            continue
        plan.referral_updates.append(
            (referral_pk, {"status": cell.status, "checked_on": cell.checked_on or row.date})
        )
        changed += 1
    plan.referrals.updated += changed
    plan.referrals.unchanged += len(cells) - len(missing) - changed
    what = []
    if missing:
        what.append("orientations ajoutées")
    if changed:
        what.append("suites d'orientations")
    return what

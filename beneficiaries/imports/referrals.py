"""Planning referrals: the referrals file, and the first format's `referral` cells of the visits file.

The referrals file holds every referral, made during a visit (named by its
date, venue and, when two sessions were held there that day, start time) or
outside one (then perhaps with its channel: by phone, by e-mail…). A referral
is its person, its visit (or none), its partner and the day it was proposed;
rows and stored referrals that share all four are paired in order (file lines,
creation order), so that two referrals to one partner in one visit stay two.
Its detail, channel, result and result date are updated.
"""

import datetime
from collections import defaultdict

from core.spreadsheets import StreamedSheet
from permanences.models import Venue

from ..bounds import too_early_problem
from ..enums import Partner, ReferralChannel, ReferralStatus
from ..models import Beneficiary, Referral, Visit
from .cells import (
    CellError,
    choice_parser,
    field_length,
    name_parser,
    optional_text_parser,
    parse_codes,
    parse_date_text,
    parse_optional_date,
    parse_optional_time,
    parse_required_date,
    parse_text,
    required_text_parser,
)
from .context import PlanContext, chunks
from .formats import LIST_SEPARATOR, REFERRALS, ReferralCell
from .plan import ImportPlan, ReferralRow, VisitRow

_PARTNERS = {value: value for value in Partner.values}
_STATUSES = frozenset(ReferralStatus.values)
_FIELD_LABELS = {
    "detail": "précision",
    "channel": "canal",
    "status": "suite",
    "checked_on": "date de la suite",
}


# --- the first format: a `referral` cell per visit ---------------------------------


def parse_referrals(raw) -> tuple[ReferralCell, ...]:
    """The referrals of a visit's `referral` cell, one per partner (the first one written wins)."""
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


def stored_cells(visit_pks) -> dict[int, dict[str, tuple[int, str, datetime.date | None]]]:
    """visit -> partner -> (referral pk, status, checked on): what `referral` cells are compared with."""
    found: dict[int, dict] = defaultdict(dict)
    for chunk in chunks(visit_pks):
        for pk, visit_id, partner, status, checked_on in (
            Referral.objects.filter(visit_id__in=chunk)
            .order_by("pk")
            .values_list("pk", "visit_id", "partner", "status", "checked_on")
        ):
            found[visit_id].setdefault(partner, (pk, status, checked_on))
    return found


def compare_referral_cells(
    plan: ImportPlan, visit_pk: int, row: VisitRow, stored: dict[str, tuple[int, str, datetime.date | None]]
) -> list[str]:
    """The `referral` cell of a stored visit: new partners added, new results recorded
    (a cell without results never undoes one); what changes, in words."""
    cells = row.values.get("referrals", ())
    missing = [cell for cell in cells if cell.partner not in stored]
    plan.new_referrals.extend((visit_pk, cell, row.date, row.ref) for cell in missing)
    plan.referrals.created += len(missing)
    changed = 0
    for cell in cells:
        if cell.partner not in stored:
            continue
        referral_pk, status, checked_on = stored[cell.partner]
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


# --- the referrals file --------------------------------------------------------------


def _parsers(context: PlanContext) -> dict:
    find_venue = name_parser(Venue.objects.all(), "Lieu d'accueil")

    def parse_proposed_on(raw) -> datetime.date:
        day = parse_required_date(raw, "Date de l'orientation")
        if problem := too_early_problem(day, "Date de l'orientation"):
            raise CellError(problem)
        if day > context.today:
            raise CellError(f"Orientation datée dans le futur ({day:%d/%m/%Y}).")
        return day

    def parse_partner(raw) -> str:
        text = parse_text(raw)
        if not text:
            raise CellError("Partenaire obligatoire.")
        [partner] = parse_codes(text, _PARTNERS, "Partenaire")
        return partner

    return {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "proposed_on": parse_proposed_on,
        "partner": parse_partner,
        "detail": optional_text_parser(field_length(Referral, "detail"), "Texte de la précision"),
        "status": choice_parser(["", *ReferralStatus.values], "Suite"),
        "checked_on": parse_optional_date,
        "channel": choice_parser(["", *ReferralChannel.values], "Canal"),
        "visit_date": parse_optional_date,
        "venue": lambda raw: find_venue(name).pk if (name := parse_text(raw)) else None,
        "start_time": parse_optional_time,
    }


def check_referrals(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[ReferralRow]:
    """The valid rows of the referrals file; a problem for each invalid cell or row."""
    rows = []
    for line, _record, values in context.parsed_rows(REFERRALS, sheet, columns, _parsers(context)):
        if values is None:
            continue
        ref, partner, proposed_on = values.pop("ref"), values.pop("partner"), values.pop("proposed_on")
        visit_date, venue_id = values.pop("visit_date", None), values.pop("venue", None)
        start = values.pop("start_time", None)
        if values.get("status") == "":
            values["status"] = ReferralStatus.PROPOSED
        if problem := _row_problem(values, proposed_on, visit_date, venue_id):
            context.problem(REFERRALS, line, *problem)
            continue
        if venue_id is not None and visit_date is None:
            visit_date = proposed_on
        rows.append(ReferralRow(line, ref, partner, proposed_on, values, visit_date, venue_id, start))
    return rows


def _row_problem(values, proposed_on, visit_date, venue_id) -> tuple[str, str] | None:
    status, checked_on = values.get("status"), values.get("checked_on")
    if status == ReferralStatus.PROPOSED and checked_on is not None:
        return "checked_on", "Une orientation sans suite connue (proposed) n'a pas de date de vérification."
    if checked_on is not None and checked_on < proposed_on:
        return "checked_on", "La suite ne peut pas être vérifiée avant la proposition."
    if values.get("channel") and (visit_date is not None or venue_id is not None):
        return "channel", "Une orientation d'un rendez-vous n'a pas d'autre canal que lui : videz channel."
    if visit_date is not None and venue_id is None:
        return (
            "venue",
            "Indiquez le lieu du rendez-vous (venue), "
            "ou videz visit_date pour une orientation hors rendez-vous.",
        )
    return None


def compare_referrals(context: PlanContext, rows: list[ReferralRow]) -> None:
    """New referrals of the referrals file, and what it changes in stored ones."""
    if not rows:
        return
    visits = _Visits(context, rows)
    kept = [
        row
        for row in rows
        if _find_visit(context, row, visits)
        and not context.free_text_problem(REFERRALS, row.line, row.ref, {"detail": row.values.get("detail")})
    ]
    stored = _stored_referrals(context, kept)
    taken: dict[tuple, int] = defaultdict(int)
    for row in kept:
        person = context.stored_pk(row.ref)
        visit = id(row.visit) if isinstance(row.visit, VisitRow) else row.visit
        key = (person, visit, row.partner, row.proposed_on)
        matches = stored.get(key, []) if person is not None and not isinstance(row.visit, VisitRow) else []
        occurrence = taken[key]
        taken[key] += 1
        if occurrence < len(matches):
            _compare(context, row, matches[occurrence])
        elif not context.anonymised_problem(REFERRALS, row.line, row.ref, new=True):
            if row.values.get("status", ReferralStatus.PROPOSED) != ReferralStatus.PROPOSED:
                # A result without its date: checked, at the latest, the day it was proposed.
                row.values["checked_on"] = row.values.get("checked_on") or row.proposed_on
            context.plan.new_file_referrals.append(row)
            context.plan.referrals.created += 1


class _Visits:
    """The visits referral rows may name: stored ones of their persons, and new ones of this import."""

    def __init__(self, context: PlanContext, rows: list[ReferralRow]):
        self.by_day: dict[tuple[str, int, datetime.date], list[tuple[datetime.time, int | VisitRow]]] = (
            defaultdict(list)
        )
        days = [row.visit_date for row in rows if row.venue_id is not None]
        refs = {context.stored_pk(row.ref): row.ref for row in rows if row.venue_id is not None}
        refs.pop(None, None)
        for chunk in chunks(refs) if days else ():
            for pk, person, day, venue, start in Visit.objects.filter(
                beneficiary_id__in=chunk, date__gte=min(days), date__lte=max(days)
            ).values_list("pk", "beneficiary_id", "date", "permanence__venue_id", "permanence__start_time"):
                self.by_day[refs[person], venue, day].append((start, pk))
        for visit in context.plan.new_visits:
            start = visit.permanence.start_time
            self.by_day[visit.ref, visit.venue_id, visit.date].append((start, visit))


def _find_visit(context: PlanContext, row: ReferralRow, visits: _Visits) -> bool:
    """Set the row's visit; False (and a problem) when it names none, or several."""
    if row.venue_id is None:
        return True
    found = [
        target
        for start, target in visits.by_day.get((row.ref, row.venue_id, row.visit_date), [])
        if row.start_time in (None, start)
    ]
    if len(found) == 1:
        row.visit = found[0]
        return True
    if found:
        message = (
            "Plusieurs rendez-vous de cette personne ce jour-là dans ce lieu : "
            "indiquez l'heure de début (start_time)."
        )
    else:
        message = (
            f"Aucun rendez-vous de cette personne le {row.visit_date:%d/%m/%Y} dans ce lieu"
            f"{' à cette heure' if row.start_time else ''} : ajoutez-le au fichier des rendez-vous, "
            "ou videz venue et visit_date pour une orientation hors rendez-vous."
        )
    context.problem(REFERRALS, row.line, "visit_date", message)
    return False


def _stored_referrals(context: PlanContext, rows: list[ReferralRow]) -> dict[tuple, list[dict]]:
    persons = {pk for row in rows if (pk := context.stored_pk(row.ref)) is not None}
    days = [row.proposed_on for row in rows]
    stored: dict[tuple, list[dict]] = defaultdict(list)
    for chunk in chunks(persons):
        for values in (
            Referral.objects.filter(
                beneficiary_id__in=chunk, proposed_on__gte=min(days), proposed_on__lte=max(days)
            )
            .order_by("pk")
            .values(
                "pk",
                "beneficiary_id",
                "visit_id",
                "partner",
                "proposed_on",
                "detail",
                "channel",
                "status",
                "checked_on",
            )
        ):
            key = (values["beneficiary_id"], values["visit_id"], values["partner"], values["proposed_on"])
            stored[key].append(values)
    return stored


def _compare(context: PlanContext, row: ReferralRow, now: dict) -> None:
    plan = context.plan
    fields = {name: row.values[name] for name in ("detail", "channel", "status") if name in row.values}
    status = fields.get("status", now["status"])
    if status == ReferralStatus.PROPOSED:
        fields["checked_on"] = None
    elif "checked_on" in row.values or now["checked_on"] is None:
        fields["checked_on"] = row.values.get("checked_on") or row.proposed_on
    fields = {name: value for name, value in fields.items() if value != now[name]}
    if not fields:
        plan.referrals.unchanged += 1
        return
    if context.anonymised_problem(REFERRALS, row.line, row.ref, new=False):
        return
    plan.referral_updates.append((now["pk"], fields))
    plan.referrals.updated += 1
    what = ", ".join(label for name, label in _FIELD_LABELS.items() if name in fields)
    plan.add_change(REFERRALS, row.line, row.ref, f"orientation : {what}")

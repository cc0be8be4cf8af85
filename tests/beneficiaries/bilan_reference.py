"""The bilan of a year counted in Python, person by person, from the rows
themselves and the definitions of DESIGN.md and docs/BILAN.md — never from
the attendance table or reporting's queries — to check `compute_bilan` against
(`reference_bilan(year) == compute_bilan(year).as_dict()`).

For small hand-made datasets: it reads every visit, session, outcome,
referral, workshop and registration. The whole service only (no venue or quarter scope).
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from beneficiaries.enums import (
    AttendanceMark,
    OutcomeKind,
    Partner,
    ReferralStatus,
    RegistrationStatus,
    Sex,
    WorkshopStatus,
)
from beneficiaries.models import Appointment, Outcome, Referral, Visit, Workshop, WorkshopRegistration
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue

SEX_KEYS = {Sex.FEMALE: "women", Sex.MALE: "men", Sex.NOT_STATED: "sex_unknown"}
GROUPS = {
    "cdi": ("cdi",),
    "cdd": ("cdd",),
    "contrat_aide_ou_apprentissage": ("contrat_aide", "alternance"),
    "formation": ("formation",),
    "autres": ("interim", "creation_activite"),
}


def pct(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(100 * part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band(birth_date: datetime.date | None, day: datetime.date) -> str:
    if birth_date is None:
        return "inconnu"
    age = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
    return "moins_de_26" if age < 26 else "26_49" if age < 50 else "50_et_plus"


def durable(outcome: Outcome) -> bool:
    if outcome.kind in (OutcomeKind.CDI, OutcomeKind.CREATION_ACTIVITE):
        return True
    if outcome.kind not in (OutcomeKind.CDD, OutcomeKind.INTERIM) or outcome.end_date is None:
        return False
    # Six months or more: the day after the end reaches the same day six months later.
    after = outcome.end_date + datetime.timedelta(days=1)
    start = outcome.start_date
    return (after.year * 12 + after.month, after.day) >= (start.year * 12 + start.month + 6, start.day)


def sex_split(persons) -> dict[str, int]:
    split = {"persons": len(persons), "women": 0, "men": 0, "sex_unknown": 0}
    for person in persons:
        split[SEX_KEYS[person.sex]] += 1
    return split


def reference_bilan(year: int) -> dict:
    """The JSON of the bilan of `year`, all venues, counted here."""
    visits = list(Visit.objects.select_related("beneficiary", "permanence"))
    of_year = [visit for visit in visits if visit.date.year == year]
    persons = {visit.beneficiary_id: visit.beneficiary for visit in of_year}
    first_ever = {}
    for visit in visits:
        first_ever[visit.beneficiary_id] = min(visit.date, first_ever.get(visit.beneficiary_id, visit.date))
    first_of_year = {}
    for visit in of_year:
        first_of_year[visit.beneficiary_id] = min(
            visit.date, first_of_year.get(visit.beneficiary_id, visit.date)
        )
    held = [p for p in Permanence.objects.all() if p.status == PermanenceStatus.HELD and p.date.year == year]
    outcomes = [o for o in Outcome.objects.all() if o.start_date.year == year and o.beneficiary_id in persons]
    quarters = {q.pk: q for q in Quarter.objects.all()}
    by_kind = {kind: sum(1 for o in outcomes if o.kind == kind) for kind in OutcomeKind.values}
    ages = dict.fromkeys(("moins_de_26", "26_49", "50_et_plus", "inconnu"), 0)
    for pk, person in persons.items():
        ages[band(person.birth_date, first_of_year[pk])] += 1
    priority = sum(1 for p in persons.values() if p.quarter_id and quarters[p.quarter_id].is_priority)
    figures = {
        "year": year,
        "scope": {"venue": None, "quarter": None},
        "permanences_held": len(held),
        **sex_split(persons.values()),
        "new_persons": sum(1 for pk in persons if first_ever[pk].year == year),
        "appointments": len(of_year),
        "persons_with_outcome": len({o.beneficiary_id for o in outcomes}),
        "outcomes": by_kind,
        "outcomes_total": len(outcomes),
        "outcomes_grouped": {key: sum(by_kind[k] for k in kinds) for key, kinds in GROUPS.items()},
        "employment": _persons_and_outcomes([o for o in outcomes if o.kind != OutcomeKind.FORMATION]),
        "training": _persons_and_outcomes([o for o in outcomes if o.kind == OutcomeKind.FORMATION]),
        "durable_employment": _persons_and_outcomes([o for o in outcomes if durable(o)]),
        "age_bands": ages,
        "priority_quarter_residents": priority,
    }
    figures["women_pct"] = pct(figures["women"], figures["persons"])
    figures["men_pct"] = pct(figures["men"], figures["persons"])
    figures["priority_quarter_residents_pct"] = pct(priority, figures["persons"])
    figures["by_quarter"] = _by_quarter(of_year, persons)
    figures["by_venue"] = _by_venue(of_year, held, outcomes)
    figures["by_month"] = [
        {
            "month": month,
            "permanences_held": sum(1 for p in held if p.date.month == month),
            "appointments": sum(1 for v in of_year if v.date.month == month),
            "persons": len({v.beneficiary_id for v in of_year if v.date.month == month}),
        }
        for month in range(1, 13)
    ]
    figures["referrals"] = _referrals(year)
    figures["follow_ups"] = _follow_ups(year)
    figures["workshops"] = _workshops(year, persons)
    return figures


def _follow_ups(year: int) -> dict[str, int]:
    """Appointments not cancelled at the sessions of the year: honoured when the person's
    visit is logged at that session, missed when the session has ended without it."""
    now = datetime.datetime.now(ZoneInfo("Europe/Paris"))
    seen = set(Visit.objects.values_list("beneficiary_id", "permanence_id"))
    honoured = missed = booked = 0
    for appointment in Appointment.objects.select_related("permanence"):
        session = appointment.permanence
        if (
            session.date.year != year
            or appointment.cancelled_at
            or session.status == PermanenceStatus.CANCELLED
        ):
            continue
        booked += 1
        if (appointment.beneficiary_id, session.pk) in seen:
            honoured += 1
        elif (session.date, session.end_time) <= (now.date(), now.time()):
            missed += 1
    return {
        "booked": booked,
        "honoured": honoured,
        "missed": missed,
        "honoured_pct": pct(honoured, honoured + missed),
    }


def _workshops(year: int, seen: dict) -> dict[str, int]:
    """Beside the council grid: the year's workshops not cancelled, their places taken,
    those present, and the persons present, with those not seen at a visit (`seen`)."""
    registrations = [
        r
        for r in WorkshopRegistration.objects.select_related("workshop")
        if r.workshop.date.year == year and r.workshop.status != WorkshopStatus.CANCELLED
    ]
    with_place = [r for r in registrations if r.status == RegistrationStatus.REGISTERED]
    present = {r.beneficiary_id for r in with_place if r.attendance == AttendanceMark.PRESENT}
    return {
        "sessions": sum(
            1 for w in Workshop.objects.all() if w.date.year == year and w.status != WorkshopStatus.CANCELLED
        ),
        "registrations": len(with_place),
        "attendances": sum(1 for r in with_place if r.attendance == AttendanceMark.PRESENT),
        "persons": len(present),
        "persons_without_appointment": len(present - seen.keys()),
    }


def _persons_and_outcomes(outcomes: list[Outcome]) -> dict[str, int]:
    return {"persons": len({o.beneficiary_id for o in outcomes}), "outcomes": len(outcomes)}


def _by_quarter(of_year: list[Visit], persons: dict) -> list[dict]:
    rows = []
    quarters = [(q.pk, q.name, q.is_priority) for q in Quarter.objects.order_by("name", "pk")]
    for quarter_id, name, is_priority in [*quarters, (None, "Hors quartiers listés ou non renseigné", False)]:
        living = [p for p in persons.values() if p.quarter_id == quarter_id]
        pks = {p.pk for p in living}
        rows.append(
            {
                "quarter_id": quarter_id,
                "name": name,
                "is_priority": is_priority,
                **sex_split(living),
                "appointments": sum(1 for v in of_year if v.beneficiary_id in pks),
            }
        )
    return rows


def _by_venue(of_year: list[Visit], held: list[Permanence], outcomes: list[Outcome]) -> list[dict]:
    rows = []
    for venue in Venue.objects.select_related("quarter").order_by("name", "pk"):
        here = [v for v in of_year if v.permanence.venue_id == venue.pk]
        persons = {v.beneficiary_id: v.beneficiary for v in here}
        kinds = defaultdict(int)
        for outcome in outcomes:
            if outcome.beneficiary_id in persons:
                kinds[outcome.kind] += 1
        sessions = sum(1 for p in held if p.venue_id == venue.pk)
        if not venue.is_active and not sessions and not persons:
            continue
        rows.append(
            {
                "venue_id": venue.pk,
                "name": venue.name,
                "quarter": venue.quarter.name,
                "permanences_held": sessions,
                **sex_split(persons.values()),
                "appointments": len(here),
                "outcomes": {kind: kinds[kind] for kind in OutcomeKind.values},
            }
        )
    return rows


def _referrals(year: int) -> list[dict]:
    referrals = [r for r in Referral.objects.all() if r.proposed_on.year == year]
    rows = []
    for partner in Partner:
        mine = [r for r in referrals if r.partner == partner]
        rows.append(
            {
                "partner": partner.value,
                "label": partner.label,
                "total": len(mine),
                "proposed": sum(1 for r in mine if r.status == ReferralStatus.PROPOSED),
                "done": sum(1 for r in mine if r.status == ReferralStatus.DONE),
                "not_taken_up": sum(1 for r in mine if r.status == ReferralStatus.NOT_TAKEN_UP),
            }
        )
    return rows

"""The counts of a bilan as named cells, and the sums that tie them together.

Every count a table, a chart or the headline shows has one name, wherever it
appears: "persons", "women", "outcomes.cdi", "by_quarter.3.women",
"by_venue.5.outcomes_total", "by_month.4.persons", "referrals.plie.done",
"referral_totals.done"… (a quarter row of residents outside the listed
quarters is "by_quarter.none"). The same figure shown in two tables (persons
in the headline, the key figures, the total row of the residence table, the
"Ensemble" row of the venue table…) is one cell.

`relations` declares, in one place, each sum a reader could use to recompute
a cell from others: a total and the cells it is the sum of. A relation is
kept only when it is exact in these figures: the venues' persons add up to
all persons only when nobody came to two venues, but then a reader can use it.
reporting/disclosure.py reads both to decide what the city may see.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from beneficiaries.enums import OutcomeKind

from .figures import AGE_BANDS, OUTCOME_GROUPS, Bilan, MonthRow, QuarterRow, ReferralRow, VenueRow

SEXES = ("women", "men", "sex_unknown")
PERSON_FIELDS = ("persons", *SEXES, "appointments")
REFERRAL_FIELDS = ("total", "done", "not_taken_up", "proposed")
SUBSETS = ("employment", "training", "durable_employment")
# Shares of persons: each with its count and its base. Not counts: a share is
# hidden with its count or its base, never for being small.
PERCENTAGES = {
    "women_pct": ("women", "persons"),
    "men_pct": ("men", "persons"),
    "priority_quarter_residents_pct": ("priority_quarter_residents", "persons"),
    "follow_ups.honoured_pct": ("follow_ups.honoured", "follow_ups.missed"),
}
FOLLOW_UP_FIELDS = ("booked", "honoured", "missed")
# Sessions held are the association's public schedule, not persons: never hidden.
PUBLIC = "permanences_held"
# The workshops beside the council grid (docs/BILAN.md): how many took place is
# no count of persons either; the others are.
WORKSHOP_FIELDS = ("sessions", "registrations", "attendances", "persons", "persons_without_appointment")
WORKSHOP_SESSIONS = "workshops.sessions"


def cell(*parts) -> str:
    return ".".join("none" if part is None else str(part) for part in parts)


def row_cell(row, *field: str) -> str:
    """The name of a breakdown row's cell: `row_cell(quarter_row, "women")`."""
    match row:
        case QuarterRow():
            return cell("by_quarter", row.quarter_id, *field)
        case VenueRow():
            return cell("by_venue", row.venue_id, *field)
        case MonthRow():
            return cell("by_month", row.month, *field)
        case ReferralRow():
            return cell("referrals", row.partner, *field)
    raise TypeError(f"No cells for {type(row).__name__}")


def is_count_of_persons(name: str) -> bool:
    """Every cell but the sessions held (permanences, workshops) and the shares
    counts persons, their appointments, outcomes, referrals or workshop
    registrations: the small-count rule applies."""
    return not name.endswith(PUBLIC) and name != WORKSHOP_SESSIONS and name not in PERCENTAGES


def counts(bilan: Bilan) -> dict[str, int]:
    """Every count of the bilan (the sessions held included) by its cell's name."""
    values = {
        name: getattr(bilan, name)
        for name in (
            PUBLIC,
            "persons",
            "new_persons",
            *SEXES,
            "appointments",
            "persons_with_outcome",
            "outcomes_total",
            "priority_quarter_residents",
        )
    }
    for family in ("outcomes", "outcomes_grouped", "age_bands"):
        values |= {cell(family, key): value for key, value in getattr(bilan, family).items()}
    for subset in SUBSETS:
        values[cell(subset, "persons")] = getattr(bilan, subset).persons
        values[cell(subset, "outcomes")] = getattr(bilan, subset).outcomes
    for q in bilan.by_quarter:
        values |= {row_cell(q, field): getattr(q, field) for field in PERSON_FIELDS}
    for v in bilan.by_venue:
        values |= {row_cell(v, field): getattr(v, field) for field in (PUBLIC, *PERSON_FIELDS)}
        values |= {row_cell(v, "outcomes", kind): v.outcomes.get(kind, 0) for kind in OutcomeKind.values}
        values[row_cell(v, "outcomes_total")] = sum(v.outcomes.values())
    for m in bilan.by_month:
        values |= {row_cell(m, field): getattr(m, field) for field in (PUBLIC, "appointments", "persons")}
    for r in bilan.referrals:
        values |= {row_cell(r, field): getattr(r, field) for field in REFERRAL_FIELDS}
    for field in REFERRAL_FIELDS:
        values[cell("referral_totals", field)] = sum(getattr(r, field) for r in bilan.referrals)
    values |= {cell("follow_ups", field): getattr(bilan.follow_ups, field) for field in FOLLOW_UP_FIELDS}
    values |= {cell("workshops", field): getattr(bilan.workshops, field) for field in WORKSHOP_FIELDS}
    return values


def share(bilan: Bilan, name: str) -> int:
    """A share by its cell's name: "women_pct", "follow_ups.honoured_pct"."""
    value = bilan
    for part in name.split("."):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Relation:
    """`total` is the sum of `parts` (one part: the two cells are equal)."""

    total: str
    parts: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.parts)

    def holds(self, values: dict[str, int]) -> bool:
        return values[self.total] == sum(values[part] for part in self.parts)


def relations(bilan: Bilan) -> list[Relation]:
    """The sums of the bilan, in reading order, each kept when it is exact."""
    values = counts(bilan)
    declared = [
        *_sexes_and_ages(bilan),
        *_residence(bilan),
        *_venues(bilan),
        *_months(bilan),
        *_outcomes(bilan),
        *_referrals(bilan),
        _sum("follow_ups.booked", ("follow_ups.honoured", "follow_ups.missed")),  # once all are past
        *_once_each(bilan),
        *_workshops(),
    ]
    return [relation for relation in declared if relation.holds(values)]


def _sum(total: str, parts) -> Relation:
    return Relation(total, tuple(parts))


def _sexes_and_ages(bilan: Bilan) -> Iterator[Relation]:
    """Persons by sex, in all and in each row of the residence and venue tables; by age."""
    yield _sum("persons", SEXES)
    for row in (*bilan.by_quarter, *bilan.by_venue):
        yield _sum(row_cell(row, "persons"), (row_cell(row, sex) for sex in SEXES))
    yield _sum("persons", (cell("age_bands", band) for band in AGE_BANDS))


def _residence(bilan: Bilan) -> Iterator[Relation]:
    """The columns of the residence table add up to its total row; the priority
    quarters' residents are those of the rows marked QPV."""
    for field in PERSON_FIELDS:
        yield _sum(field, (row_cell(q, field) for q in bilan.by_quarter))
    priority = (row_cell(q, "persons") for q in bilan.by_quarter if q.is_priority)
    yield _sum("priority_quarter_residents", priority)


def _venues(bilan: Bilan) -> Iterator[Relation]:
    """Appointments add up across venues; persons and outcomes only when
    nobody counts in two venues (then the relation holds and is kept)."""
    for field in PERSON_FIELDS:
        yield _sum(field, (row_cell(v, field) for v in bilan.by_venue))
    for kind in OutcomeKind.values:
        yield _sum(cell("outcomes", kind), (row_cell(v, "outcomes", kind) for v in bilan.by_venue))
    yield _sum("outcomes_total", (row_cell(v, "outcomes_total") for v in bilan.by_venue))
    for v in bilan.by_venue:
        yield _sum(
            row_cell(v, "outcomes_total"), (row_cell(v, "outcomes", kind) for kind in OutcomeKind.values)
        )


def _months(bilan: Bilan) -> Iterator[Relation]:
    """Appointments add up across months; persons when nobody came in two months."""
    yield _sum("appointments", (row_cell(m, "appointments") for m in bilan.by_month))
    yield _sum("persons", (row_cell(m, "persons") for m in bilan.by_month))


def _outcomes(bilan: Bilan) -> Iterator[Relation]:
    """Kinds add up to the total, and so do the council's groups (each the sum
    of its kinds), and employment with training."""
    kinds = [cell("outcomes", kind) for kind in OutcomeKind.values]
    yield _sum("outcomes_total", kinds)
    for group, (_, group_kinds) in OUTCOME_GROUPS.items():
        yield _sum(cell("outcomes_grouped", group), (cell("outcomes", kind) for kind in group_kinds))
    yield _sum("outcomes_total", (cell("outcomes_grouped", group) for group in OUTCOME_GROUPS))
    formation = cell("outcomes", OutcomeKind.FORMATION)
    yield _sum("employment.outcomes", (kind for kind in kinds if kind != formation))
    yield _sum("training.outcomes", [formation])
    yield _sum("outcomes_total", ["employment.outcomes", "training.outcomes"])
    # Exact when nobody has both an employment and a training.
    yield _sum("persons_with_outcome", ["employment.persons", "training.persons"])


def _referrals(bilan: Bilan) -> Iterator[Relation]:
    results = REFERRAL_FIELDS[1:]
    for row in bilan.referrals:
        yield _sum(row_cell(row, "total"), (row_cell(row, field) for field in results))
    yield _sum(cell("referral_totals", "total"), (cell("referral_totals", field) for field in results))
    for field in REFERRAL_FIELDS:
        yield _sum(cell("referral_totals", field), (row_cell(r, field) for r in bilan.referrals))


def _once_each(bilan: Bilan) -> Iterator[Relation]:
    """A count of events equal to the persons they concern (each came once,
    each found one outcome) can be read in that count of persons, and the
    other way round: kept, as one-part sums, when both are equal."""
    pairs = [("appointments", "persons"), ("outcomes_total", "persons_with_outcome")]
    pairs += [(cell(subset, "outcomes"), cell(subset, "persons")) for subset in SUBSETS]
    rows = (*bilan.by_quarter, *bilan.by_venue, *bilan.by_month)
    pairs += [(row_cell(row, "appointments"), row_cell(row, "persons")) for row in rows]
    for events, persons in pairs:
        yield _sum(events, [persons])


def _workshops() -> Iterator[Relation]:
    """The workshops' figures equal one another when every registration was
    attended, when each person came once, when none of them had an individual
    appointment: kept, as one-part sums, when they are."""
    for total, part in [
        ("registrations", "attendances"),
        ("attendances", "persons"),
        ("persons", "persons_without_appointment"),
    ]:
        yield _sum(cell("workshops", total), [cell("workshops", part)])

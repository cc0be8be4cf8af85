"""Statistical disclosure control: which figures of a bilan the city is not shown.

The small-count rule (DESIGN.md, docs/BILAN.md "Secret statistique"): a count
of persons (or of their appointments, outcomes, referrals) from 1 to 4 is not
shown to the city, and no hidden count can be recomputed from the figures
shown beside it. Over the named cells and the sums of reporting/cells.py:

1. primary suppression: every count from 1 to 4 is hidden;
2. complementary suppression: a sum with exactly one hidden cell would give
   it away by subtraction, so the smallest other non-zero part of that sum is
   hidden too (its total if no part is left); all sums are read again until
   none has exactly one hidden cell;
3. a check that no hidden cell follows from several sums taken together
   (a spreadsheet could solve them as a system of equations): if one does,
   the smallest visible cell of a sum it is in is hidden, and back to 2.

A zero is never hidden: it discloses nobody (and protects nothing). A share
is hidden when its count or its base is. A bilan of 1 to 4 persons is
withheld: every non-zero count is hidden, and the pages say why.

A hidden count from 1 to 4 reads "< 5"; any other hidden figure "secret".
The same cell hidden in one table is hidden in all: every table, chart, the
headline and every export read the `Figures` built here.
"""

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from .cells import PERCENTAGES, Relation, counts, is_count_of_persons, relations, row_cell, share
from .figures import Bilan

SMALL_COUNT_LIMIT = 5
SMALL = "< 5"
SECRET = "secret"  # noqa: S105 (the marker of a hidden figure, no password)
MARKERS = (SMALL, SECRET)


def is_small(value: int) -> bool:
    return 0 < value < SMALL_COUNT_LIMIT


@dataclass(frozen=True)
class Figures:
    """A bilan's figures as one reader is shown them: `figures["women"]` is
    the count, or its marker when hidden from that reader."""

    bilan: Bilan
    hidden: frozenset[str] = frozenset()
    withheld: bool = False

    @classmethod
    def shown_to(cls, bilan: Bilan, *, masked: bool) -> "Figures":
        """Every figure for coordination; for the city (`masked`), without
        what the small-count rule hides."""
        if not masked:
            return cls(bilan)
        values = counts(bilan)  # shares aside: hidden with what they are computed from
        if is_small(bilan.persons):
            hidden = {name for name, value in values.items() if is_count_of_persons(name) and value}
            return cls(bilan, _with_shares(hidden), withheld=True)
        return cls(bilan, _with_shares(hidden_cells(values, relations(bilan))))

    @cached_property
    def values(self) -> dict[str, int]:
        shares = {name: share(self.bilan, name) for name in PERCENTAGES}
        return counts(self.bilan) | shares

    def __getitem__(self, name: str) -> int | str:
        value = self.values[name]
        if name not in self.hidden:
            return value
        return SMALL if is_small(value) and name not in PERCENTAGES else SECRET

    def of(self, row, *field: str) -> int | str:
        """A breakdown row's figure: `figures.of(quarter_row, "women")`."""
        return self[row_cell(row, *field)]


def _with_shares(hidden: set[str]) -> frozenset[str]:
    shares = {share for share, sources in PERCENTAGES.items() if hidden.intersection(sources)}
    return frozenset(hidden | shares)


def hidden_cells(values: dict[str, int], sums: list[Relation]) -> set[str]:
    """The cells to hide: small counts, then what protects them (steps 1 to 3)."""
    hidden = {name for name, value in values.items() if is_count_of_persons(name) and is_small(value)}
    while True:
        _complete(hidden, values, sums)
        solvable = _solvable(hidden, sums)
        if not solvable:
            return hidden
        hidden.add(_protector_near(solvable[0], hidden, values, sums))


def _complete(hidden: set[str], values: dict[str, int], sums: list[Relation]) -> None:
    """Step 2: until no sum holds exactly one hidden cell. Such a sum always
    has a protector: its hidden cell is not zero, so neither are all the others."""
    changed = True
    while changed:
        changed = False
        for relation in sums:
            if sum(name in hidden for name in relation.cells) == 1:
                if (protector := _protector(relation, hidden, values)) is None:
                    raise AssertionError(f"Nothing visible protects the hidden cell of {relation}")
                hidden.add(protector)
                changed = True


def _protector(relation: Relation, hidden: set[str], values: dict[str, int]) -> str | None:
    """The smallest visible non-zero part of `relation`, else its total if it
    is visible and non-zero (None when every cell is hidden or zero)."""
    parts = [part for part in relation.parts if part not in hidden and values[part]]
    if parts:
        return min(parts, key=lambda part: values[part])
    if relation.total not in hidden and values[relation.total]:
        return relation.total
    return None


def _protector_near(solvable: str, hidden: set[str], values: dict[str, int], sums: list[Relation]) -> str:
    """Step 3's new hidden cell: the protector of the first sum, going out from
    `solvable` through hidden cells, that still has a visible non-zero cell.
    There is one: were every cell around it hidden or zero, the equations
    would hold for any multiple of the hidden values, and fix none of them."""
    reached, frontier = {solvable}, [solvable]
    while frontier:
        name = frontier.pop(0)
        for relation in sums:
            if name not in relation.cells:
                continue
            if (protector := _protector(relation, hidden, values)) is not None:
                return protector
            for other in relation.cells:
                if other in hidden and other not in reached:
                    reached.add(other)
                    frontier.append(other)
    raise AssertionError(f"{solvable} is fixed by the sums but nothing visible surrounds it")


def _solvable(hidden: set[str], sums: list[Relation]) -> list[str]:
    """The hidden cells whose value the sums fix, in name order.

    Each sum is an equation `total - parts = 0` over the hidden cells (the
    visible ones are known numbers). Gauss–Jordan elimination, in exact
    fractions, brings the system to its reduced form: a hidden cell is fixed
    when one row of that form is that cell alone.
    """
    pivots: dict[str, dict[str, Fraction]] = {}
    for relation in sums:
        row: dict[str, Fraction] = {}
        for name, sign in [(relation.total, 1), *((part, -1) for part in relation.parts)]:
            if name in hidden:
                row[name] = row.get(name, Fraction(0)) + sign
        for pivot, pivot_row in pivots.items():
            if row.get(pivot):
                _subtract(row, pivot_row, row[pivot])
        row = {name: factor for name, factor in row.items() if factor}
        if not row:
            continue
        pivot = min(row)
        row = {name: factor / row[pivot] for name, factor in row.items()}
        for other_row in pivots.values():
            if other_row.get(pivot):
                _subtract(other_row, row, other_row[pivot])
        pivots[pivot] = row
    return sorted(pivot for pivot, row in pivots.items() if len(row) == 1)


def _subtract(row: dict[str, Fraction], other: dict[str, Fraction], factor: Fraction) -> None:
    """row -= factor × other, dropping the cells that reach zero."""
    for name, value in other.items():
        row[name] = row.get(name, Fraction(0)) - factor * value
        if not row[name]:
            del row[name]

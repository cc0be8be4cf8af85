"""A reader of the city's pages who tries to recompute the figures hidden from them.

It knows nothing of reporting/cells.py. From coordination's complete figures
of the same tables, it learns which figures add up to which, as anybody could
guess from the layout and a few years of publications:

- a column equal to the sum of a run of other columns, in every row of every
  page ("Personnes" = "Femmes" + "Hommes" + "Sexe non précisé");
- on one page, a total row equal to the sum of the rows above it, column by
  column (only where it holds on that page: the venues' persons add up to the
  total only when nobody came to two venues);
- a figure equal to another one, or to the sum of a run of figures down a
  column or along a row, on every page where they all appear (the persons of
  the key figures and of the total row of the residence table; "Contrats
  aidés ou d'apprentissage" = "Contrat aidé" + "Alternance"), and not zero on
  at least two pages.

The pages: every year, scope and source of a dataset; on a venue's own page,
the row of that venue reads "(ce lieu)", so that what holds on every venue's
page is learnt too. The more pages, the fewer coincidences pass for sums.
Then, on each page the city sees, it fills in what a sum with a single
unknown gives, again and again (`recompute`), and also solves all the sums
together (`solvable`). Shares, changes and sessions held (permanences,
workshops) are left out of the sums: they are no counts of persons (shares and
changes are checked apart).
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

Position = tuple[str, str, str]  # (table, row label, column label)
THIS_VENUE = "(ce lieu)"


@dataclass
class Page:
    """The tables one reader is shown for one year, scope and source, cell by cell."""

    kind: str
    cells: dict[Position, object] = field(default_factory=dict)
    # Per table: its rows of learnable positions (counts), and whether the last is a total.
    grids: dict[str, list[list[Position]]] = field(default_factory=dict)
    total_rows: set[str] = field(default_factory=set)

    def value(self, position: Position):
        return self.cells.get(position)

    def add(self, key, columns, rows, *, total_row=False, text_columns=frozenset(), own_row=None):
        grid = []
        for row in rows:
            label = THIS_VENUE if row[0] == own_row else str(row[0])
            positions = []
            for index, (column, value) in enumerate(zip(columns[1:], row[1:], strict=True), start=1):
                position = (key, label, column)
                self.cells[position] = value
                if index not in text_columns and is_count(position):
                    positions.append(position)
            grid.append(positions)
        self.grids[key] = grid
        if total_row:
            self.total_rows.add(key)


def is_count(position: Position) -> bool:
    _, row, column = position
    sessions = "Permanences" in f"{row} {column}" or row.startswith("Ateliers programmés")
    return "(%)" not in row and column != "Évolution" and not sessions


def page_of(report, kind: str, own_venue: str | None = None) -> Page:
    """What `report` shows: its tables (the key figures included, as the exports
    show them), the comparison with the year before, the charts' data tables."""
    page = Page(kind)
    for table in report.tables:
        columns = ["", "valeur"] if table.key == "chiffres-cles" else table.columns
        page.add(
            table.key,
            columns,
            table.rows,
            total_row=table.total_row,
            text_columns=table.text_columns,
            own_row=own_venue,
        )
    if report.comparison is not None:
        columns = ["", "année précédente", "année", "Évolution"]
        page.add("comparaison", columns, report.comparison.rows)
    for chart in report.charts:
        page.add(chart.key, ["", chart.unit], [list(item) for item in chart.items])
    return page


@dataclass(frozen=True)
class Sum:
    total: Position
    parts: tuple[Position, ...]

    @property
    def positions(self) -> tuple[Position, ...]:
        return (self.total, *self.parts)


@dataclass
class Learner:
    """What coordination's pages teach (`pages`: complete figures)."""

    pages: list[Page]

    def column_patterns(self) -> set[tuple[str, str, tuple[str, ...]]]:
        """(table, column, run of other columns) summing up in every row of every page."""
        found = set()
        tables = {key for page in self.pages for key in page.grids}
        for key in tables:
            columns = _columns(self.pages, key)
            for run in _runs(columns, shortest=2):
                for column in columns:
                    if column not in run and self._every_row(key, column, run):
                        found.add((key, column, run))
        return found

    def _every_row(self, key, column, run) -> bool:
        nonzero = False
        for page in self.pages:
            for row in page.grids.get(key, []):
                label = row[0][1] if row else None
                total = page.value((key, label, column))
                parts = [page.value((key, label, other)) for other in run]
                if total is None or None in parts:
                    continue
                if total != sum(parts):
                    return False
                nonzero = nonzero or total != 0
        return nonzero

    def equal_sums(self) -> set[Sum]:
        """A figure equal to another, or to a run down a column or along a row,
        on every page (the positions present on the same pages), not zero on two."""
        vectors: dict[tuple, list[tuple[Position, ...]]] = defaultdict(list)
        for run in self._all_runs():
            vector = tuple(_sum_on(page, run) for page in self.pages)
            if sum(1 for value in vector if value) >= 2:
                vectors[vector].append(run)
        found = set()
        for runs in vectors.values():
            for total, parts in itertools.permutations(runs, 2):
                if len(total) == 1 and total[0] not in parts:
                    found.add(Sum(total[0], parts))
        return found

    def _all_runs(self) -> set[tuple[Position, ...]]:
        runs = set()
        for page in self.pages:
            for grid in page.grids.values():
                for row in grid:
                    runs.update(_runs(row, shortest=1))
                for column in itertools.zip_longest(*grid):
                    runs.update(_runs([p for p in column if p is not None], shortest=2))
        return runs


def _columns(pages: list[Page], key: str) -> list[str]:
    for page in pages:
        for row in page.grids.get(key, []):
            if row:
                return [position[2] for position in row]
    return []


def _runs(items: list, *, shortest: int) -> Iterable[tuple]:
    for start in range(len(items)):
        for end in range(start + shortest, len(items) + 1):
            yield tuple(items[start:end])


def _sum_on(page: Page, run: tuple[Position, ...]):
    values = [page.value(position) for position in run]
    return None if None in values else sum(values)


def total_rows(page: Page) -> set[Sum]:
    """On this page: the total row's cells that are the sum of the rows above."""
    found = set()
    for key in page.total_rows:
        *body, total = page.grids[key]
        for position in total:
            column = [next(p for p in row if p[2] == position[2]) for row in body if _has(row, position[2])]
            if page.value(position) == sum(page.value(p) for p in column):
                found.add(Sum(position, tuple(column)))
    return found


def _has(row: list[Position], column: str) -> bool:
    return any(p[2] == column for p in row)


def sums_on(page: Page, patterns, equal_sums: set[Sum]) -> list[Sum]:
    """The learned sums, as they read on `page`."""
    sums = list(total_rows(page))
    for key, column, run in patterns:
        for row in page.grids.get(key, []):
            label = row[0][1] if row else None
            sums.append(Sum((key, label, column), tuple((key, label, other) for other in run)))
    sums += [s for s in equal_sums if all(p in page.cells for p in s.positions)]
    return [s for s in sums if all(p in page.cells for p in s.positions)]


def unknowns(page: Page) -> set[Position]:
    """The counts `page` hides (its cells that are not numbers)."""
    counts = {p for grid in page.grids.values() for row in grid for p in row}
    return {p for p in counts if not isinstance(page.value(p), int)}


def recompute(page: Page, sums: list[Sum]) -> dict[Position, tuple[int, Sum]]:
    """Fill in, by substitution, each hidden count a sum leaves as its only
    unknown: its value, and the sum that gave it."""
    known = {p: v for p, v in page.cells.items() if isinstance(v, int)}
    found = {}
    progress = True
    while progress:
        progress = False
        for s in sums:
            missing = [p for p in s.positions if p not in known]
            if len(missing) != 1:
                continue
            [position] = missing
            others = sum(known[p] for p in s.parts if p != position)
            value = known[s.total] - others if position != s.total else others
            known[position] = value
            found[position] = (value, s)
            progress = True
    return found


def solvable(page: Page, sums: list[Sum]) -> set[Position]:
    """The hidden counts fixed by all the sums taken together (exact elimination)."""
    hidden = unknowns(page)
    basis: list[dict[Position, Fraction]] = []
    for s in sums:
        equation: dict[Position, Fraction] = defaultdict(Fraction)
        equation[s.total] += 1
        for part in s.parts:
            equation[part] -= 1
        row = {p: c for p, c in equation.items() if c and p in hidden}
        for pivot_row in basis:
            pivot = next(iter(pivot_row))
            if row.get(pivot):
                factor = row[pivot]
                for p, c in pivot_row.items():
                    row[p] = row.get(p, Fraction(0)) - factor * c
                row = {p: c for p, c in row.items() if c}
        if row:
            pivot = min(row)
            ordered = {pivot: Fraction(1), **{p: c / row[pivot] for p, c in row.items() if p != pivot}}
            for other in basis:
                if other.get(pivot):
                    factor = other[pivot]
                    for p, c in ordered.items():
                        other[p] = other.get(p, Fraction(0)) - factor * c
                    for p in [p for p, c in other.items() if not c]:
                        del other[p]
            basis.append(ordered)
    return {next(iter(row)) for row in basis if len(row) == 1}

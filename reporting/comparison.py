"""Two versions of the figures side by side: a year and the one before, the
published figures and today's. Each side is read as its reader is shown it
(a `Figures`), so that a hidden figure stays hidden here too.
"""

from dataclasses import dataclass

from .disclosure import MARKERS, SECRET, Figures
from .figures import percent
from .presentation import Table, bilan_tables, key_figures


def change(current: int, previous: int) -> str:
    """ "+12 %", "−3 %", "=" or "—" (no previous figure)."""
    if previous == 0:
        return "—"
    delta = percent(abs(current - previous), previous)
    if current == previous or delta == 0:
        return "="
    return f"+{delta} %" if current > previous else f"−{delta} %"


def points(delta: int) -> str:
    """A change of a percentage, in points: "+2 pts", "−3 pts", "="."""
    if delta == 0:
        return "="
    return f"+{delta} pts" if delta > 0 else f"−{-delta} pts"


def evolution(label: str, now, before) -> str:
    """The change from `before` to `now`; "secret" when either is hidden
    (with the other, a change would give it back)."""
    if now in MARKERS or before in MARKERS:
        return SECRET
    return points(now - before) if "(%)" in label else change(now, before)


def comparison_table(current: Figures, previous: Figures, *, note: str = "") -> Table:
    """Year-over-year: the key figures of the year and of the one before."""
    rows = [
        [label, before, now, evolution(label, now, before)]
        for (label, now), (_, before) in zip(key_figures(current), key_figures(previous), strict=True)
    ]
    return Table(
        key="comparaison",
        title=f"Comparaison avec {previous.bilan.year}",
        sheet=f"Comparaison avec {previous.bilan.year}",
        columns=["Indicateur", str(previous.bilan.year), str(current.bilan.year), "Évolution"],
        rows=rows,
        note=note,
        masked=any(value in MARKERS for row in rows for value in row[1:]),
    )


@dataclass(frozen=True)
class Difference:
    table: str
    row: str
    column: str
    published: object
    live: object


def differences(published: Figures, live: Figures) -> list[Difference]:
    """Every cell where today's figures differ from the published ones."""
    found = []
    live_tables = {t.key: t for t in bilan_tables(live)}
    for table in bilan_tables(published):
        other = live_tables[table.key]
        before, now = table.cells(), other.cells()
        for key in list(before) + [k for k in now if k not in before]:
            old, new = before.get(key, "—"), now.get(key, "—")
            if old != new:
                found.append(Difference(table.title, key[0], key[1], old, new))
    return found

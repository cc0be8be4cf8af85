"""What the planners of the three files share: the files, the plan they fill,
today's date, and the reading of each file's header and rows."""

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone

from core.spreadsheets import Sheet, UnreadableFile, read_sheet

from .cells import CellError, parse_text
from .plan import COLUMNS, FILE_LABELS, REQUIRED_COLUMNS, ImportPlan, ImportSource

# Rows looked up in the database per query.
QUERY_CHUNK = 5000


def chunks(items: Iterable, size: int = QUERY_CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def raw_ref(record: list, index: int) -> str:
    """The ref of a row even when its cell is invalid (empty then), to point at it."""
    try:
        return parse_text(record[index]) if index < len(record) else ""
    except CellError:
        return ""


class PlanContext:
    def __init__(self, sources: dict[str, ImportSource], *, lock: bool):
        self.sources = sources
        # Lock the stored persons that would be updated (for a real import).
        self.lock = lock
        self.plan = ImportPlan(files={kind: source.name for kind, source in sources.items()})
        self.today = timezone.localdate()
        # Every ref of the persons file, valid row or not: visits may point to them.
        self.file_refs: set[str] = set()

    def problem(self, kind: str, line: int | None, column: str, message: str) -> None:
        self.plan.add_problem(kind, line, column, message)

    def stored_pk(self, ref: str) -> int | None:
        return self.plan.person_pks.get(ref)

    def read(self, kind: str) -> tuple[Sheet, dict[str, int]] | None:
        """The file's sheet and the index of each known column, None when unusable."""
        try:
            sheet = read_sheet(self.sources[kind].data)
        except UnreadableFile as error:
            self.problem(kind, None, "", str(error))
            return None
        columns: dict[str, int] = {}
        for index, name in enumerate(sheet.header):
            name = name.strip().lstrip("\ufeff").lower()
            if name in COLUMNS[kind]:
                if name in columns:
                    self.problem(kind, 1, name, "Colonne en double : gardez-en une seule.")
                columns[name] = index
        missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
        for name in missing:
            expected = ", ".join(COLUMNS[kind])
            self.problem(
                kind,
                1,
                name,
                f"Colonne obligatoire absente. La première ligne du fichier des {FILE_LABELS[kind]} "
                f"doit porter les noms des colonnes : {expected}.",
            )
        if missing:
            return None
        return sheet, columns

    def parsed_rows(
        self, kind: str, sheet: Sheet, columns: dict[str, int], parsers: dict[str, Callable]
    ) -> Iterator[tuple[int, list, dict[str, Any] | None]]:
        """Each row's line, cells and parsed values by column (None for a row with a problem)."""
        for line, record in sheet.rows:
            values: dict[str, Any] = {}
            valid = True
            for name, index in columns.items():
                raw = record[index] if index < len(record) else ""
                try:
                    values[name] = parsers[name](raw)
                except CellError as error:
                    self.problem(kind, line, name, str(error))
                    valid = False
            yield line, record, (values if valid else None)

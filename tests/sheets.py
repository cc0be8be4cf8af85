"""A whole spreadsheet read at once, for the tests: the application streams its
files (core.spreadsheets.open_sheet); the tests compare their rows."""

import datetime
from dataclasses import dataclass

from core.spreadsheets import SheetLimits, open_sheet


@dataclass
class Sheet:
    """The rows of a file: `header` as written, then each row with its line number (header = 1)."""

    header: list[str]
    rows: list[tuple[int, list[str | datetime.date]]]
    format: str  # "CSV" or "XLSX"


def read_sheet(data: bytes, limits: SheetLimits | None = None) -> Sheet:
    """The whole sheet at once, read as the application reads it, within the same bounds."""
    sheet = open_sheet(data, limits)
    return Sheet(header=sheet.header, rows=list(sheet.rows), format=sheet.format)

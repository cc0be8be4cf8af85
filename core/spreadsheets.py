"""Spreadsheet files in and out: formula neutralisation, reading CSV or XLSX
(within bounds: sheet_reader.py, xlsx_reader.py), writing CSV (for French
Excel) and XLSX — shared by the nominative export and the import of case
files, and by the bilan exports of `reporting`.

`neutralise` is what every export applies to its text cells, so that a
spreadsheet opening the file never evaluates a value as a formula (CSV
injection). `restore` is its exact inverse, applied by the importer, so that
export then import gives back the stored text. A value that starts with a
character a spreadsheet reads as the start of a formula gets a leading
apostrophe, which spreadsheets show as a text marker: "+44 20 7946 0958"
becomes "'+44 20 7946 0958" and stays readable. A value that already starts
with an apostrophe gets one too, so that `restore` never has to guess.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .sheet_reader import SheetLimits, StreamedSheet, TooLarge, UnreadableFile, csv_records, open_csv
from .xlsx_reader import measure_xlsx, open_xlsx

__all__ = ["SheetLimits", "StreamedSheet", "TooLarge", "UnreadableFile"]  # re-exported: the readers

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# The export's CSV dialect: what French Excel opens with a double click.
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"


def neutralise(value):
    """The cell text a spreadsheet shows as text, never runs as a formula (other values unchanged)."""
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, QUOTE)):
        return QUOTE + value
    return value


def restore(value: str) -> str:
    """The exact inverse of `neutralise` (other text is returned unchanged)."""
    if value.startswith(QUOTE) and value[1:].startswith((*FORMULA_TRIGGERS, QUOTE)):
        return value[1:]
    return value


# A function call ("HYPERLINK(", "cmd|") or a sheet reference ("A0!"): what
# makes a cell starting with "+" or "-" a formula rather than a phone number
# or a dash before a note.
_FORMULA_BODY = re.compile(r"[A-Za-z_.]\(|\||!")


def looks_like_formula(value: str) -> bool:
    """An imported cell a spreadsheet would have evaluated: refused, not stored.

    "=…" and "@…" always; "+…" and "-…" only with a function call, a DDE link
    or a sheet reference, so that "+33 6 12 34 56 78" and "- rappeler" pass.
    """
    if value.startswith(("=", "@")):
        return True
    return value.startswith(("+", "-")) and bool(_FORMULA_BODY.search(value))


def is_xlsx(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def measure_sheet(data: bytes, limits: SheetLimits | None = None) -> int | None:
    """The number of data rows (lines after the header, blank ones included) of a file
    within the bounds; `TooLarge` past them. None when the file cannot be measured
    (unreadable): the reading will say why."""
    limits = limits or SheetLimits.from_settings()
    try:
        if is_xlsx(data):
            return measure_xlsx(data, limits)
        last = 0
        for line, _record in csv_records(data, limits):
            last = line
        return max(last - 1, 0)
    except TooLarge:
        raise
    except Exception:  # an unreadable file: `open_sheet` says why, in the preview
        return None


def open_sheet(data: bytes, limits: SheetLimits | None = None) -> StreamedSheet:
    """Read a CSV (comma or semicolon; UTF-8 with or without BOM, or Windows-1252)
    or an XLSX workbook (its first sheet), as a stream. Entirely blank rows are skipped."""
    limits = limits or SheetLimits.from_settings()
    if is_xlsx(data):
        return open_xlsx(data, limits)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "Classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format .xlsx ou CSV."
        )
    return open_csv(data, limits)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula
    return neutralise(str(value))


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """CSV for French Excel, which the importer reads back: semicolons, UTF-8 with
    a byte-order mark, CRLF, every text cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode(CSV_ENCODING)


def write_csv(header: list[str], rows: Iterator[list[str]]) -> bytes:
    """The CSV of an import file: its header, then its rows."""
    return csv_bytes([header, *rows])


@dataclass(frozen=True)
class WorkbookSheet:
    """One worksheet: a title, then rows; the first `header_rows` rows in bold."""

    title: str
    rows: Sequence[Sequence]
    header_rows: int = 1
    note: str = ""


_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def _sheet_names(titles: Iterable[str]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, no apostrophe at either end, unique."""
    names: list[str] = []
    for title in titles:
        base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip(" '")[:SHEET_NAME_MAX].strip(" '") or "Feuille"
        name, n = base, 2
        while name.lower() in {existing.lower() for existing in names}:
            suffix = f" ({n})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            n += 1
        names.append(name)
    return names


def xlsx_bytes(sheets: Sequence[WorkbookSheet]) -> bytes:
    """An XLSX workbook, one sheet per `WorkbookSheet`: numbers as numbers, text neutralised."""
    import xlsxwriter  # only the XLSX exports need it

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for sheet, name in zip(sheets, _sheet_names(s.title for s in sheets), strict=True):
        worksheet = workbook.add_worksheet(name)
        widths: dict[int, int] = {}
        row_index = 0
        if sheet.note:
            worksheet.write_string(row_index, 0, neutralise(sheet.note), wrap)
            row_index += 2
        for position, row in enumerate(sheet.rows):
            style = bold if position < sheet.header_rows else None
            for column, value in enumerate(row):
                if isinstance(value, bool) or value is None:
                    value = "" if value is None else ("oui" if value else "non")
                if isinstance(value, int | float):
                    worksheet.write_number(row_index, column, value, style)
                else:
                    text = neutralise(str(value))
                    worksheet.write_string(row_index, column, text, style)
                    widths[column] = max(widths.get(column, 0), len(text))
            row_index += 1
        for column, width in widths.items():
            worksheet.set_column(column, column, min(max(width, 10), 60) + 2)
        if sheet.header_rows:
            worksheet.freeze_panes(sheet.header_rows + (2 if sheet.note else 0), 0)
    workbook.close()
    return output.getvalue()

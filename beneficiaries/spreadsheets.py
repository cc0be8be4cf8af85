"""Cells that spreadsheet programs open safely: shared by every export.

Excel and LibreOffice read a text cell starting with =, +, -, @, a tab or a
carriage return as a formula ("CSV injection": `=HYPERLINK(…)`, DDE…). Such a
cell gets a leading apostrophe, which they show as text. A phone number or a
signed number ("+33 6 12 34 56 78", "-12,5") has no letters hence no formula
to run: it is left as it is, readable.

Here (the lowest app that exports) so that the nominative export of case
files and the bilan exports of `reporting` use the same rule.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Digits, spaces and phone punctuation only, after an optional sign.
_PHONE_OR_NUMBER = re.compile(r"[+-]?\d[\d .,()/-]*")
CSV_DELIMITER = ";"
UTF8_BOM = "\ufeff"


def neutralise(value):
    """The value, with a leading apostrophe if it is text a spreadsheet would run."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PHONE_OR_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    return str(neutralise(value))


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """CSV for French Excel: semicolons, UTF-8 with a byte-order mark, CRLF."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Sheet:
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


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook, one sheet per `Sheet`: numbers as numbers, text neutralised."""
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

"""Spreadsheet files in and out: formula neutralisation, reading CSV or XLSX,
writing CSV (for French Excel) and XLSX — shared by the nominative export and
the import of case files, and by the bilan exports of `reporting`.

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
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# The export's CSV dialect: what French Excel opens with a double click.
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"

# A sheet with more rows than this is refused rather than read for minutes.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200


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


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX sheet this reader can use; the message is French."""


@dataclass
class Sheet:
    """The rows of a file: `header` as written, then each row with its line number (header = 1)."""

    header: list[str]
    rows: list[tuple[int, list[str | datetime.date]]]
    format: str  # "CSV" or "XLSX"


def read_sheet(data: bytes) -> Sheet:
    """Read a CSV (comma or semicolon; UTF-8 with or without BOM, or Windows-1252)
    or an XLSX workbook (its first sheet). Entirely blank rows are skipped."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "Classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format .xlsx ou CSV."
        )
    return _read_csv(data)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFile(
            "Fichier illisible : il contient des caractères nuls (fichier binaire ou encodage UTF-16). "
            "Enregistrez-le au format CSV (UTF-8) ou XLSX."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"Fichier illisible : texte UTF-8 invalide (octet {error.start + 3})."
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            "Fichier illisible : ce n'est pas du texte en UTF-8 ni en Windows-1252 (fichier binaire ?)."
        ) from None


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str | datetime.date]]] = []
    header: list[str] | None = None
    try:
        for index, record in enumerate(reader, start=1):
            if index > MAX_ROWS:
                raise UnreadableFile(f"Fichier trop long : {MAX_ROWS:,} lignes au plus.".replace(",", " "))
            if header is None:
                header = record[:MAX_COLUMNS]
            elif any(cell.strip() for cell in record):
                rows.append((index, record))
    except csv.Error as error:
        raise UnreadableFile(
            f"Fichier CSV mal formé ligne {reader.line_num} (guillemet non fermé ?) : {error}."
        ) from None
    if header is None:
        raise UnreadableFile("Fichier vide : la première ligne doit porter les noms des colonnes.")
    return Sheet(header=header, rows=rows, format="CSV")


def _cell(value) -> str | datetime.date:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_XLSX_UNREADABLE = "Classeur XLSX illisible : enregistrez-le de nouveau (.xlsx) ou au format CSV."


def _read_xlsx(data: bytes) -> Sheet:
    # Imported here: openpyxl is only needed for XLSX files.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is not a workbook, or a malformed one: never a server error
        raise UnreadableFile(_XLSX_UNREADABLE) from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile("Classeur XLSX sans feuille.")
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), None)
        header = None if first is None else [str(_cell(value)) for value in first]
        while header and not header[-1].strip():
            header.pop()
        rows: list[tuple[int, list[str | datetime.date]]] = []
        # Only the header's columns are read: a sheet with stray cells far right stays fast.
        width = max(len(header or ()), 1)
        for index, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            if index > MAX_ROWS:
                raise UnreadableFile(f"Fichier trop long : {MAX_ROWS:,} lignes au plus.".replace(",", " "))
            cells = [_cell(value) for value in values]
            if any(str(cell).strip() for cell in cells):
                rows.append((index, cells))
    except UnreadableFile:
        raise
    except Exception:  # a malformed sheet: never a server error
        raise UnreadableFile(_XLSX_UNREADABLE) from None
    finally:
        workbook.close()
    if header is None:
        raise UnreadableFile("Classeur vide : la première ligne doit porter les noms des colonnes.")
    return Sheet(header=header, rows=rows, format="XLSX")


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

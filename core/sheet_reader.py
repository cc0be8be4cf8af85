"""Reading a spreadsheet someone uploaded (CSV or XLSX), within bounds.

A hostile file must never hold a process for long nor fill its memory: a 265 KB
XLSX can declare a million rows, a 1 MB one can hold shared strings that
inflate to 1 GB. So every file is bounded before it is parsed (`SheetLimits`,
from the IMPORT_MAX_* settings):

- an XLSX's zip directory is read first — number of parts, the decompressed
  size each part declares, its compression ratio — and the file is refused
  before anything is inflated (`zipfile` never inflates a part past the size
  its directory declares: a lying directory gives a broken part, not a bomb);
- `measure_sheet` counts rows and cells without keeping them: the worksheet's
  XML is scanned as a stream for its row and cell tags, a CSV read line by
  line; the upload form calls it and refuses what is too large;
- `open_sheet` then reads the rows as a stream (openpyxl's read-only mode,
  which loads the shared strings whole — hence their bound — and the CSV
  line by line) and enforces the same bounds as it goes, for the command line
  and anything else that reads without measuring first.

Refusals are `UnreadableFile` (`TooLarge` for a bound) with a French message.
"""

import codecs
import csv
import datetime
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

# Bytes decoded or inflated at a time.
CHUNK = 1024 * 1024


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX sheet this reader can use; the message is French."""


class TooLarge(UnreadableFile):
    """The file is past one of the bounds (`SheetLimits`)."""


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


@dataclass(frozen=True)
class SheetLimits:
    rows: int  # data rows, the header line not counted
    columns: int  # cells of one row
    xlsx_member_bytes: int  # each part of the zip read whole (shared strings, styles, workbook…)
    xlsx_sheet_bytes: int  # each worksheet, read as a stream

    @classmethod
    def from_settings(cls) -> "SheetLimits":
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            xlsx_member_bytes=settings.IMPORT_MAX_XLSX_MEMBER_BYTES,
            xlsx_sheet_bytes=settings.IMPORT_MAX_XLSX_SHEET_BYTES,
        )

    def check_line(self, line: int, cells: int) -> None:
        """Refuse line `line` (1 = the header) when it is past the rows, or has too many cells."""
        if line - 1 > self.rows:
            raise TooLarge(
                f"Fichier trop long : plus de {_number(self.rows)} lignes (sans compter celle des noms de "
                "colonnes). Découpez-le, par année par exemple."
            )
        if cells > self.columns:
            raise TooLarge(
                f"Ligne {line} : {_number(cells)} colonnes, {self.columns} au plus. "
                "Retirez les colonnes inutiles."
            )


class StreamedSheet:
    """A sheet read as it is iterated: `rows` yields (line, cells) for each row that is not
    blank; `last_line` is the last line read (the file's last, once `rows` is exhausted)."""

    def __init__(self, header: list[str], rows: Iterator, format: str):
        self.header, self.format, self.last_line = header, format, 1
        self._rows = rows

    @property
    def rows(self) -> Iterator[tuple[int, list[str | datetime.date]]]:
        for line, cells in self._rows:
            self.last_line = line
            if any(str(cell).strip() for cell in cells):
                yield line, cells


# --- CSV ---------------------------------------------------------------------------


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; checked chunk by chunk, never
    decoded whole."""
    if b"\x00" in data:
        raise UnreadableFile(
            "Fichier illisible : il contient des caractères nuls (fichier binaire ou encodage UTF-16). "
            "Enregistrez-le au format CSV (UTF-8) ou XLSX."
        )
    bom = data.startswith(codecs.BOM_UTF8)
    error = _decoding_error(data, "utf-8", start=3 if bom else 0)
    if error is None:
        return "utf-8-sig"
    if bom:
        raise UnreadableFile(f"Fichier illisible : texte UTF-8 invalide (octet {error}).")
    if _decoding_error(data, "cp1252") is None:
        return "cp1252"
    raise UnreadableFile(
        "Fichier illisible : ce n'est pas du texte en UTF-8 ni en Windows-1252 (fichier binaire ?)."
    )


def _decoding_error(data: bytes, encoding: str, *, start: int = 0) -> int | None:
    """The offset of the first byte that does not decode, None when all do."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    for offset in range(start, max(len(data), start + 1), CHUNK):
        try:
            decoder.decode(view[offset : offset + CHUNK], final=offset + CHUNK >= len(data))
        except UnicodeDecodeError as error:
            return offset + error.start
    return None


def csv_records(data: bytes, limits: SheetLimits) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record, read line by line, within the bounds."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=_encoding(data), newline="")
    first = text.readline()
    if not first:
        return
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter, strict=True)
    try:
        for line, record in enumerate(reader, start=1):
            limits.check_line(line, len(record))
            yield line, record
    except csv.Error as error:
        raise UnreadableFile(
            f"Fichier CSV mal formé ligne {reader.line_num} (guillemet non fermé ?) : {error}."
        ) from None


def open_csv(data: bytes, limits: SheetLimits) -> StreamedSheet:
    records = csv_records(data, limits)
    first = next(records, None)
    if first is None:
        raise UnreadableFile("Fichier vide : la première ligne doit porter les noms des colonnes.")
    return StreamedSheet(first[1], records, "CSV")

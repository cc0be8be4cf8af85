"""XLSX workbooks, bounded (see sheet_reader.py): the zip directory checked
before anything is inflated, the first worksheet measured by scanning its XML
as a stream, then read with openpyxl's read-only mode."""

import datetime
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse

from .sheet_reader import CHUNK, SheetLimits, StreamedSheet, TooLarge, UnreadableFile, size_text

# A zip part that inflates more than this many times is a bomb, not XML (the
# parts of a real workbook inflate 2 to 20 times); parts under a megabyte are
# left alone, whatever their ratio.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
MAX_PARTS = 1000

XLSX_UNREADABLE = "Classeur XLSX illisible : enregistrez-le de nouveau (.xlsx) ou au format CSV."
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _elements(archive: zipfile.ZipFile, name: str, tag: str) -> Iterator:
    """The elements named `tag` (any namespace) of a part, as they are parsed."""
    with archive.open(name) as part:
        # Python's expat refuses entity expansion bombs; nothing external is fetched.
        for _event, element in iterparse(part):  # noqa: S314
            if element.tag.rpartition("}")[2] == tag:
                yield element


def _relationships(archive: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, target resolved from the archive's root) of a relationships part."""
    base = posixpath.dirname(posixpath.dirname(name))
    found = {}
    for element in _elements(archive, name, "Relationship"):
        target = element.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        found[element.get("Id", "")] = (element.get("Type", ""), path)
    return found


def first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first worksheet (chart sheets skipped, as openpyxl does)."""
    package = _relationships(archive, "_rels/.rels")
    workbook = next((path for kind, path in package.values() if kind.endswith("/officeDocument")), None)
    if workbook is None:
        raise UnreadableFile(XLSX_UNREADABLE)
    folder, name = posixpath.split(workbook)
    relationships = _relationships(archive, posixpath.join(folder, "_rels", f"{name}.rels"))
    for sheet in _elements(archive, workbook, "sheet"):
        kind, path = relationships.get(sheet.get(_RELATIONSHIP_ID, ""), ("", ""))
        if kind.endswith("/worksheet"):
            return path
    raise UnreadableFile("Classeur XLSX sans feuille.")


_EOCD = b"PK\x05\x06"


def check_archive(data: bytes, limits: SheetLimits) -> zipfile.ZipFile:
    """The workbook's zip, once its directory is within the bounds (nothing inflated yet)."""
    # The number of parts, from the end record, before zipfile reads the whole directory.
    end = data.rfind(_EOCD, max(0, len(data) - 65557))
    if end >= 0 and len(data) >= end + 12:
        (parts,) = struct.unpack("<H", data[end + 10 : end + 12])
        if parts > MAX_PARTS:
            raise TooLarge(f"Classeur XLSX refusé : plus de {MAX_PARTS} parties, ce n'est pas un classeur.")
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise TooLarge(f"Classeur XLSX refusé : plus de {MAX_PARTS} parties, ce n'est pas un classeur.")
    for info in infos:
        streamed = info.filename.startswith("xl/worksheets/")
        bound = limits.xlsx_sheet_bytes if streamed else limits.xlsx_member_bytes
        if info.file_size > bound:
            raise TooLarge(
                f"Classeur XLSX refusé : sa partie « {info.filename[:80]} » ferait "
                f"{size_text(info.file_size)} une fois décompressée, {size_text(bound)} au plus. "
                "Enregistrez-le au format CSV, ou découpez-le."
            )
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise TooLarge(
                f"Classeur XLSX refusé : sa partie « {info.filename[:80]} » se décompresse plus de "
                f"{MAX_RATIO} fois, ce qu'aucun classeur ordinaire ne fait. Enregistrez-le au format CSV."
            )
    return archive


# A row or a cell tag (with or without a namespace prefix), and a row's number.
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


def measure_xlsx(data: bytes, limits: SheetLimits) -> int:
    """The number of data rows (the first worksheet's last row number, less the header),
    its XML scanned as a stream for row and cell tags, nothing kept; `TooLarge` past
    the bounds."""
    archive = check_archive(data, limits)
    line = cells = 0
    with archive.open(first_sheet_path(archive)) as part:
        tail = b""
        while chunk := part.read(CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")
            # No tag is cut in two; text without any tag, or an endless one, is skipped.
            cut = len(text) if cut < 0 or len(text) - cut > CHUNK else cut
            for match in _TAG.finditer(text, 0, cut):
                if match.group(1) == b"c":
                    cells += 1
                    continue
                limits.check_line(line, cells)
                number = _ROW_NUMBER.search(match.group(2))
                line, cells = (int(number.group(1)) if number else line + 1), 0
            tail = text[cut:]
    limits.check_line(line, cells)
    return max(line - 1, 0)


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


def open_xlsx(data: bytes, limits: SheetLimits) -> StreamedSheet:
    """The first sheet: its header now, its rows as they are iterated (read-only mode:
    the sheet is never loaded whole)."""
    from openpyxl import load_workbook

    try:
        # The scan is a tenth of openpyxl's time: a sheet past the bounds is refused at once.
        measure_xlsx(data, limits)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TooLarge:
        raise
    except Exception:  # a zip that is not a workbook, or a malformed one: never a server error
        raise UnreadableFile(XLSX_UNREADABLE) from None
    try:
        if not workbook.worksheets:
            raise UnreadableFile("Classeur XLSX sans feuille.")
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(max_row=1, max_col=limits.columns + 1, values_only=True), None)
    except UnreadableFile:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise UnreadableFile(XLSX_UNREADABLE) from None
    header = None if first is None else [str(_cell(value)) for value in first]
    while header and not header[-1].strip():
        header.pop()
    if not header:
        workbook.close()
        raise UnreadableFile("Classeur vide : la première ligne doit porter les noms des colonnes.")
    limits.check_line(1, len(header))
    return StreamedSheet(header, _rows(workbook, sheet, width=len(header), limits=limits), "XLSX")


def _rows(workbook, sheet, *, width: int, limits: SheetLimits) -> Iterator[tuple[int, list]]:
    # Only the header's columns are read: a sheet with stray cells far right stays fast.
    try:
        for line, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            limits.check_line(line, 0)
            yield line, [_cell(value) for value in values]
    except UnreadableFile:
        raise
    except Exception:  # a malformed sheet: never a server error
        raise UnreadableFile(XLSX_UNREADABLE) from None
    finally:
        workbook.close()

"""The bilan as files: PDF for the council, XLSX and CSV for spreadsheets.

All three are made from a `Report`, hence hold exactly what the dashboard
shows to the same user (published or live figures, masked for the city).
Aggregates only: no export of this module ever holds a row about one person.
"""

from django.utils import timezone
from django.utils.text import slugify

from core.pdf import render_pdf
from core.spreadsheets import WorkbookSheet, csv_bytes, xlsx_bytes

from .disclosure import SECRET, SMALL
from .presentation import Table
from .report import Report

MASK_NOTE = (
    f"« {SMALL} » : effectif de 1 à 4, non affiché (secret statistique) ; « {SECRET} » : chiffre "
    "non affiché parce qu'il permettrait de retrouver un tel effectif par différence."
)


def filename(report: Report, extension: str) -> str:
    scope = report.bilan.scope
    place = (scope.get("venue") or scope.get("quarter") or {}).get("name", "")
    parts = ["bilan", str(report.year), slugify(place), "publie" if report.is_published else ""]
    return "-".join(part for part in parts if part) + f".{extension}"


def preamble(report: Report) -> list[str]:
    """What the figures are, in the words a reader of the file needs."""
    lines = [
        f"Permanences emploi — bilan {report.year} ({report.bilan.scope_label})",
        report.source_note,
        report.headline,
        *report.notes,
    ]
    if report.withheld:
        lines.append(report.withheld_note)
    elif report.masked:
        lines.append(MASK_NOTE)
    return lines


def _table_rows(table: Table) -> list[list]:
    return [table.columns, *table.rows]


def _tables(report: Report) -> list[Table]:
    return [*report.tables, report.comparison] if report.comparison else report.tables


def bilan_csv(report: Report) -> bytes:
    """One CSV, for French Excel: the preamble, then each table after its title."""
    rows: list[list] = [[line] for line in preamble(report)]
    for table in _tables(report):
        rows += [[], [table.title]]
        if table.note:
            rows.append([table.note])
        rows += _table_rows(table)
    return csv_bytes(rows)


def bilan_xlsx(report: Report) -> bytes:
    """One sheet per table, after a first sheet that says what the figures are."""
    sheets = [WorkbookSheet(title="Présentation", rows=[[line] for line in preamble(report)], header_rows=0)]
    sheets += [
        WorkbookSheet(
            title=table.sheet,
            rows=_table_rows(table),
            note=" — ".join(filter(None, [table.title, table.note])),
        )
        for table in _tables(report)
    ]
    return xlsx_bytes(sheets)


def bilan_pdf(report: Report) -> bytes:
    """A4, in French, with the charts: a document to attach to a council deliberation."""
    return render_pdf(
        "reporting/bilan_pdf.html",
        {"report": report, "mask_note": MASK_NOTE, "printed_at": timezone.localtime()},
        stylesheet="reporting/bilan_pdf.css",
    )

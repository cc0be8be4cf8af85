import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.spreadsheets import csv_bytes
from permanences.models import Quarter, Venue
from reporting.bilan import FIRST_YEAR, compute_bilan
from reporting.disclosure import Figures
from reporting.figures import Bilan
from reporting.presentation import Table, bilan_tables, headline


def text_table(table: Table) -> list[str]:
    """A table as aligned plain text: labels left, counts right."""
    rows = [table.columns, *table.rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(table.columns))]
    lines = [table.title, "-" * len(table.title)]
    if table.note:
        lines.append(table.note)
    for row in rows:
        cells = [
            str(value).ljust(width) if i == 0 or i in table.text_columns else str(value).rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return [*lines, ""]


def as_text(bilan: Bilan) -> str:
    figures = Figures(bilan)
    lines = [f"Bilan {bilan.year} — {bilan.scope_label}", "", headline(figures), ""]
    for table in bilan_tables(figures):
        lines += text_table(table)
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Affiche le bilan d'une année (définitions : docs/BILAN.md), pour tous les lieux ou "
        "restreint à un lieu d'accueil ou aux lieux d'un quartier. Tous les chiffres, sans masquage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Année du bilan, par exemple 2020.")
        parser.add_argument(
            "--format",
            choices=["text", "json", "csv"],
            default="text",
            help="text (par défaut, en français), json (clés décrites dans docs/BILAN.md) "
            "ou csv (pour Excel).",
        )
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--venue", type=int, metavar="ID", help="Restreindre à ce lieu d'accueil (son id)."
        )
        scope.add_argument(
            "--quarter",
            type=int,
            metavar="ID",
            help="Restreindre aux lieux d'accueil de ce quartier (son id).",
        )

    def handle(self, *args, year, format, venue, quarter, **options):
        this_year = timezone.localdate().year
        if not FIRST_YEAR <= year <= this_year:
            raise CommandError(f"Année invraisemblable : {year} (de {FIRST_YEAR} à {this_year}).")
        venue_row = quarter_row = None
        if venue is not None:
            venue_row = Venue.objects.filter(pk=venue).first()
            if venue_row is None:
                raise CommandError(f"Lieu d'accueil inconnu : {venue}.")
        if quarter is not None:
            quarter_row = Quarter.objects.filter(pk=quarter).first()
            if quarter_row is None:
                raise CommandError(f"Quartier inconnu : {quarter}.")
        bilan = compute_bilan(year, venue=venue_row, quarter=quarter_row)
        if format == "json":
            self.stdout.write(json.dumps(bilan.as_dict(), ensure_ascii=False, indent=2))
        elif format == "csv":
            rows = []
            for table in bilan_tables(Figures(bilan)):
                rows += [[table.title], table.columns, *table.rows, []]
            self.stdout.write(csv_bytes(rows).decode("utf-8"), ending="")
        else:
            self.stdout.write(as_text(bilan))

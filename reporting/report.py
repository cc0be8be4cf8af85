"""The bilan as one user is shown it, on the dashboard and in every export.

- Source: the city (`ville`) sees the latest published figures of the year by
  default, coordination today's live figures; either can ask for the other.
  Publications cover all venues: a bilan restricted to a venue or a quarter
  is always live.
- Masking: for the city, small counts in cross-tabulations read "< 5".
- Differences: when a publication exists, every cell where today's figures
  differ from it, so that nobody mistakes one for the other.
- Comparison: the key figures of the year before, from the same source when
  it exists.

A constant number of queries: the publications of both years (one query) and
at most two live bilans (six each).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from django.utils import timezone

from permanences.models import Quarter, Venue

from . import perms
from .bilan import compute_bilan
from .charts import Chart, bilan_charts
from .figures import Bilan
from .models import PublishedBilan
from .presentation import Difference, Table, bilan_tables, comparison_table, differences, headline


class Source(StrEnum):
    PUBLISHED = "publies"
    LIVE = "jour"


@dataclass
class Report:
    bilan: Bilan
    previous: Bilan
    live: Bilan
    source: Source
    masked: bool
    publication: PublishedBilan | None
    previous_publication: PublishedBilan | None = None
    notes: list[str] = field(default_factory=list)
    generated_at: object = field(default_factory=timezone.now)

    @property
    def year(self) -> int:
        return self.bilan.year

    @property
    def is_published(self) -> bool:
        return self.source == Source.PUBLISHED

    @cached_property
    def headline(self) -> str:
        return headline(self.bilan)

    @cached_property
    def tables(self) -> list[Table]:
        return bilan_tables(self.bilan, masked=self.masked)

    @cached_property
    def comparison(self) -> Table:
        if self.previous_publication is not None:
            note = f"{self.previous.year} — {publication_note(self.previous_publication)}."
        else:
            note = f"{self.previous.year} — chiffres du jour."
        return comparison_table(self.bilan, self.previous, note=note)

    @cached_property
    def charts(self) -> list[Chart]:
        return bilan_charts(self.bilan)

    @cached_property
    def differences(self) -> list[Difference]:
        if self.publication is None or self.bilan.scope != self.live.scope:
            return []
        published = Bilan.from_dict(self.publication.figures)
        return differences(published, self.live, masked=self.masked)

    @property
    def source_note(self) -> str:
        """ "Chiffres publiés le 12/03/2021 à 10:00 par Inès Démo" or "Chiffres du jour"."""
        if self.is_published:
            return publication_note(self.publication)
        return f"Chiffres du jour, calculés le {timezone.localtime(self.generated_at):%d/%m/%Y à %H:%M}"


def publication_note(publication: PublishedBilan) -> str:
    when = timezone.localtime(publication.published_at)
    author = publication.published_by
    who = (author.get_full_name() or author.get_username()) if author else "un compte supprimé"
    return f"Chiffres publiés le {when:%d/%m/%Y à %H:%M} par {who}"


def build_report(
    *,
    user,
    year: int,
    venue: Venue | None = None,
    quarter: Quarter | None = None,
    source: Source | None = None,
) -> Report:
    masked = perms.must_mask_small_counts(user)
    if source is None:
        source = Source.PUBLISHED if masked else Source.LIVE
    publications = PublishedBilan.objects.latest_by_year([year, year - 1])
    whole = venue is None and quarter is None
    publication = publications.get(year) if whole else None
    notes = []
    if source == Source.PUBLISHED and not whole:
        notes.append("Les bilans publiés portent sur l'ensemble des lieux : voici les chiffres du jour.")
        source = Source.LIVE
    elif source == Source.PUBLISHED and publication is None:
        notes.append(f"Le bilan {year} n'a pas été publié : voici les chiffres du jour.")
        source = Source.LIVE
    live = compute_bilan(year, venue=venue, quarter=quarter)
    shown = Bilan.from_dict(publication.figures) if source == Source.PUBLISHED else live
    previous_publication = publications.get(year - 1) if whole else None
    if source == Source.PUBLISHED and previous_publication is not None:
        previous = Bilan.from_dict(previous_publication.figures)
    else:
        previous_publication = None
        previous = compute_bilan(year - 1, venue=venue, quarter=quarter)
    return Report(
        bilan=shown,
        previous=previous,
        live=live,
        source=source,
        masked=masked,
        publication=publication,
        previous_publication=previous_publication,
        notes=notes,
    )

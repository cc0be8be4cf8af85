"""The bilan as one user is shown it, on the dashboard and in every export.

- Source: the city (`ville`) sees the latest published figures of the year by
  default, coordination today's live figures; either can ask for the other.
  Publications cover all venues: a bilan restricted to a venue or a quarter
  is always live.
- Masking: for the city, the small-count rule (reporting/disclosure.py):
  counts from 1 to 4 read "< 5", the figures that would give them back
  "secret"; a bilan of fewer than 5 persons is not detailed at all.
- Differences: when a publication exists, every cell where today's figures
  differ from it, so that nobody mistakes one for the other.
- Comparison: the key figures of the year before, from the same source when
  it exists.

A constant number of queries: the publications of both years (one query), the
data version, and at most two live bilans (eight queries each, or one read of
the shared cache for both: reporting/cached.py).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from django.utils import timezone

from permanences.models import Quarter, Venue

from . import perms
from .bilan import cached_bilans
from .charts import Chart, bilan_charts
from .comparison import Difference, comparison_table, differences
from .disclosure import MARKERS, Figures
from .figures import Bilan
from .models import PublishedBilan
from .presentation import WORKSHOP_FIGURES, Table, bilan_tables, headline, plural

# The dashboard's key figures: label, cell, unit.
CARDS = (
    ("Permanences tenues", "permanences_held", ""),
    ("Personnes accompagnées", "persons", ""),
    ("dont nouvelles personnes", "new_persons", ""),
    ("Part de femmes", "women_pct", " %"),
    ("Rendez-vous individuels", "appointments", ""),
    ("En emploi ou en formation", "persons_with_outcome", ""),
)


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
    def figures(self) -> Figures:
        """The year's figures as this reader is shown them."""
        return Figures.shown_to(self.bilan, masked=self.masked)

    @cached_property
    def previous_figures(self) -> Figures:
        return Figures.shown_to(self.previous, masked=self.masked)

    @property
    def withheld(self) -> bool:
        """Fewer than 5 persons, shown to the city: no figure about them at all."""
        return self.figures.withheld

    @property
    def withheld_note(self) -> str:
        held = self.bilan.permanences_held
        sessions = plural(held, "permanence tenue", "permanences tenues")
        return (
            f"Moins de 5 personnes ont été accompagnées en {self.year} ({self.bilan.scope_label}). "
            "Pour qu'aucune d'elles ne puisse être reconnue (secret statistique), les chiffres qui les "
            f"concernent ne sont pas détaillés ici ; la coordination les voit. Activité : {sessions}."
        )

    @cached_property
    def headline(self) -> str:
        if self.withheld:
            return "Moins de 5 personnes accompagnées : chiffres non détaillés (secret statistique)."
        return headline(self.figures)

    @cached_property
    def cards(self) -> list[tuple[str, str, str]]:
        """The dashboard's key figures: label, this year's value, the year before's."""
        return [
            (label, _card(self.figures[name], unit), _card(self.previous_figures[name], unit))
            for label, name, unit in CARDS
        ]

    @cached_property
    def workshop_cards(self) -> list[tuple[str, str, str]]:
        """The workshops beside the council grid: label, this year's value, the year before's."""
        return [
            (label, _card(self.figures[name], ""), _card(self.previous_figures[name], ""))
            for label, name in WORKSHOP_FIGURES
        ]

    @cached_property
    def tables(self) -> list[Table]:
        return [] if self.withheld else bilan_tables(self.figures)

    @cached_property
    def comparison(self) -> Table | None:
        if self.withheld:
            return None
        if self.previous_publication is not None:
            note = f"{self.previous.year} — {publication_note(self.previous_publication)}."
        else:
            note = f"{self.previous.year} — chiffres du jour."
        return comparison_table(self.figures, self.previous_figures, note=note)

    @cached_property
    def charts(self) -> list[Chart]:
        return [] if self.withheld else bilan_charts(self.figures)

    @cached_property
    def differences(self) -> list[Difference]:
        if self.withheld or self.publication is None or self.bilan.scope != self.live.scope:
            return []
        published = Figures.shown_to(Bilan.from_dict(self.publication.figures), masked=self.masked)
        return differences(published, Figures.shown_to(self.live, masked=self.masked))

    @property
    def source_note(self) -> str:
        """ "Chiffres publiés le 12/03/2021 à 10:00 par Inès Démo" or "Chiffres du jour"."""
        if self.is_published:
            return publication_note(self.publication)
        return f"Chiffres du jour, calculés le {timezone.localtime(self.generated_at):%d/%m/%Y à %H:%M}"


def _card(value: int | str, unit: str) -> str:
    return value if value in MARKERS else f"{value}{unit}"


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
    previous_publication = publications.get(year - 1) if whole else None
    if source != Source.PUBLISHED:
        previous_publication = None
    live, *before = cached_bilans(
        [year] if previous_publication else [year, year - 1], venue=venue, quarter=quarter
    )
    shown = Bilan.from_dict(publication.figures) if source == Source.PUBLISHED else live
    previous = Bilan.from_dict(previous_publication.figures) if previous_publication else before[0]
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

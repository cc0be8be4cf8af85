"""Bar charts drawn on the server as SVG: the same chart on screen and in the PDF.

No JavaScript and no `style` attribute (CSP): presentation attributes only.
Each chart carries its own text alternative (`<title>` and `<desc>`); the
templates add a caption and the data table. A figure hidden from the reader
has no bar: its marker ("< 5", "secret") stands where the value would.
"""

from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .disclosure import Figures
from .figures import AGE_BANDS
from .presentation import OUTCOME_SHORT_LABELS, number

BAR_COLOUR = "#0a4fa8"  # the navigation's blue: 7.5:1 on white
TEXT_COLOUR = "#212529"
AXIS_COLOUR = "#6c757d"
FONT = "DejaVu Sans, Verdana, sans-serif"
WIDTH = 640
LABEL_MAX = 40
MONTH_ABBREVIATIONS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    items: list[tuple[str, int | str]]
    svg: SafeString


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def _scaled(value: int | str, largest: int, space: float) -> float:
    """A bar's length: its share of the largest value shown (none for a hidden one)."""
    return round(space * value / largest, 1) if isinstance(value, int) else 0


def _largest(items: list[tuple[str, int | str]]) -> int:
    return max((value for _, value in items if isinstance(value, int)), default=0) or 1


def _description(items: list[tuple[str, int | str]], unit: str) -> str:
    return "; ".join(f"{label} : {number(value)} {unit}" for label, value in items) + "."


def _svg(key: str, title: str, description: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}"'
        ' height="{h}" role="img" aria-labelledby="{key}-title {key}-desc" font-family="{font}"'
        ' font-size="13" fill="{text}"><title id="{key}-title">{title}</title>'
        '<desc id="{key}-desc">{desc}</desc>{body}</svg>',
        w=WIDTH,
        h=height,
        key=key,
        font=FONT,
        text=TEXT_COLOUR,
        title=title,
        desc=description,
        body=body,
    )


def horizontal_bars(key: str, title: str, items: list[tuple[str, int | str]], *, unit: str) -> Chart:
    """One bar per category, the label on the left and the value at the bar's end."""
    label_width, value_width, row, top = 290, 60, 28, 8
    bar_space = WIDTH - label_width - value_width
    largest = _largest(items)
    height = top * 2 + row * len(items)
    parts = []
    for index, (label, value) in enumerate(items):
        y = top + index * row
        length = _scaled(value, largest, bar_space)
        parts.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
                '<rect x="{bx}" y="{by}" width="{bw}" height="{bh}" fill="{colour}"/>'
                '<text x="{vx}" y="{ty}">{value}</text>',
                lx=label_width - 8,
                ty=y + 18,
                label=_short(label),
                bx=label_width,
                by=y + 4,
                bw=length,
                bh=row - 8,
                colour=BAR_COLOUR,
                vx=label_width + length + 6,
                value=number(value),
            )
        )
    axis = format_html(
        '<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{c}" stroke-width="1"/>',
        x=label_width,
        y1=top,
        y2=height - top,
        c=AXIS_COLOUR,
    )
    body = mark_safe("".join(parts)) + axis  # noqa: S308 (each part built by format_html)
    return Chart(key, title, unit, items, _svg(key, title, _description(items, unit), height, body))


def vertical_bars(
    key: str, title: str, items: list[tuple[str, int | str]], *, unit: str, ticks=None
) -> Chart:
    """One column per period (months), the value above each column."""
    left, right, top, bottom = 10, 10, 24, 28
    height = 240
    plot = height - top - bottom
    step = (WIDTH - left - right) / max(len(items), 1)
    largest = _largest(items)
    labels = ticks or [label for label, _ in items]
    parts = []
    for index, ((_, value), tick) in enumerate(zip(items, labels, strict=True)):
        bar = _scaled(value, largest, plot)
        x = left + index * step
        parts.append(
            format_html(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}"/>'
                '<text x="{cx}" y="{vy}" text-anchor="middle">{value}</text>'
                '<text x="{cx}" y="{ly}" text-anchor="middle">{tick}</text>',
                x=round(x + step * 0.15, 1),
                y=round(top + plot - bar, 1),
                w=round(step * 0.7, 1),
                h=bar,
                colour=BAR_COLOUR,
                cx=round(x + step / 2, 1),
                vy=round(top + plot - bar - 6, 1),
                value=number(value),
                ly=height - 8,
                tick=tick,
            )
        )
    axis = format_html(
        '<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{c}" stroke-width="1"/>',
        x1=left,
        x2=WIDTH - right,
        y=top + plot,
        c=AXIS_COLOUR,
    )
    body = mark_safe("".join(parts)) + axis  # noqa: S308 (each part built by format_html)
    return Chart(key, title, unit, items, _svg(key, title, _description(items, unit), height, body))


def bilan_charts(figures: Figures) -> list[Chart]:
    """The four charts of the dashboard and the PDF, as `figures` shows them."""
    f, bilan = figures, figures.bilan
    return [
        vertical_bars(
            "graphique-mois",
            f"Rendez-vous individuels par mois en {bilan.year}",
            [(m.name.capitalize(), f.of(m, "appointments")) for m in bilan.by_month],
            unit="rendez-vous",
            ticks=list(MONTH_ABBREVIATIONS[: len(bilan.by_month)]),
        ),
        horizontal_bars(
            "graphique-sorties",
            "Sorties en emploi ou en formation, par type",
            [(label, f[f"outcomes.{kind}"]) for kind, label in OUTCOME_SHORT_LABELS.items()],
            unit="sorties",
        ),
        horizontal_bars(
            "graphique-quartiers",
            "Personnes accompagnées par quartier de résidence",
            [(q.name, f.of(q, "persons")) for q in bilan.by_quarter],
            unit="personnes",
        ),
        horizontal_bars(
            "graphique-ages",
            "Personnes accompagnées par âge à leur première venue de l'année",
            [(label, f[f"age_bands.{key}"]) for key, label in AGE_BANDS.items()],
            unit="personnes",
        ),
    ]

"""The bilan in words and tables, as the dashboards and every export show it.

One source of layout for the page, the PDF, the XLSX and the CSV: the same
tables, the same labels. Every figure is read from a `Figures`
(reporting/disclosure.py): all of them for coordination; for the city, the
counts the small-count rule hides read "< 5" or "secret", in every table and
in the headline alike.
"""

from dataclasses import dataclass, field

from beneficiaries.enums import OutcomeKind

from .cells import REFERRAL_FIELDS
from .disclosure import MARKERS, SMALL, Figures
from .figures import AGE_BANDS, OUTCOME_GROUPS

NBSP = "\u202f"  # narrow no-break space, the French thousands separator

OUTCOME_SHORT_LABELS = {
    OutcomeKind.CDI: "CDI",
    OutcomeKind.CDD: "CDD",
    OutcomeKind.INTERIM: "Intérim",
    OutcomeKind.CONTRAT_AIDE: "Contrat aidé",
    OutcomeKind.ALTERNANCE: "Alternance",
    OutcomeKind.FORMATION: "Formation",
    OutcomeKind.CREATION_ACTIVITE: "Création d'activité",
}

# The key figures: their label and their cell (reporting/cells.py).
KEY_FIGURES = (
    ("Permanences tenues", "permanences_held"),
    ("Personnes accompagnées", "persons"),
    ("dont nouvelles personnes", "new_persons"),
    ("Femmes", "women"),
    ("Hommes", "men"),
    ("Sexe non précisé", "sex_unknown"),
    ("Part de femmes (%)", "women_pct"),
    ("Part d'hommes (%)", "men_pct"),
    ("Rendez-vous individuels", "appointments"),
    ("Personnes en emploi ou en formation", "persons_with_outcome"),
    ("Sorties en emploi ou en formation", "outcomes_total"),
    ("Personnes résidant en quartier prioritaire (QPV)", "priority_quarter_residents"),
    ("Part des personnes résidant en QPV (%)", "priority_quarter_residents_pct"),
)


# The workshops, beside the council grid: their label and their cell.
WORKSHOP_FIGURES = (
    ("Ateliers programmés (hors annulés)", "workshops.sessions"),
    ("Inscriptions (hors liste d'attente)", "workshops.registrations"),
    ("Présences", "workshops.attendances"),
    ("Personnes venues au moins une fois", "workshops.persons"),
    ("dont sans rendez-vous individuel dans l'année", "workshops.persons_without_appointment"),
)
WORKSHOPS_NOTE = (
    "Un atelier collectif n'est pas un rendez-vous individuel : ces chiffres ne changent ni les "
    "personnes accompagnées ni les rendez-vous de la grille du conseil."
)


def number(value: int | str) -> str:
    """1234 -> "1 234" (French grouping); a hidden figure's marker as it is."""
    if isinstance(value, str):
        return value
    return f"{value:,}".replace(",", NBSP)


def plural(count: int | str, singular: str, plural_form: str | None = None) -> str:
    """ "1 personne", "2 personnes", "0 personne" (French: 0 and 1 are singular);
    a hidden count: "moins de 5 personnes", "un nombre non communiqué de personnes"."""
    plural_form = plural_form or singular + "s"
    if count == SMALL:
        return f"moins de 5 {plural_form}"
    if isinstance(count, str):
        of = "d'" if plural_form[0] in "aeiouéAEIOUÉ" else "de "
        return f"un nombre non communiqué {of}{plural_form}"
    return f"{number(count)} {singular if count < 2 else plural_form}"


def headline(figures: Figures) -> str:
    """The figures in the words of the council report:

    "201 personnes accompagnées, dont 62 % de femmes et 38 % d'hommes ; 348
    rendez-vous individuels ; 34 personnes ont trouvé un emploi ou une
    formation : 8 CDI, 8 CDD, 12 contrats aidés ou d'apprentissage, 18 formations."

    A hidden count reads "moins de 5 …" or "un nombre non communiqué de …";
    a hidden share is left out.
    """
    f = figures
    people = plural(f["persons"], "personne accompagnée", "personnes accompagnées")
    shares = [
        f"{f[share]} % {words}"
        for share, words in (("women_pct", "de femmes"), ("men_pct", "d'hommes"))
        if f[share] not in MARKERS
    ]
    if f["persons"] and shares:
        people += ", dont " + " et ".join(shares)
    appointments = plural(f["appointments"], "rendez-vous individuel", "rendez-vous individuels")
    kinds = [
        plural(f["outcomes_grouped.cdi"], "CDI", "CDI"),
        plural(f["outcomes_grouped.cdd"], "CDD", "CDD"),
        plural(
            f["outcomes_grouped.contrat_aide_ou_apprentissage"],
            "contrat aidé ou d'apprentissage",
            "contrats aidés ou d'apprentissage",
        ),
        plural(f["outcomes_grouped.formation"], "formation"),
    ]
    if others := f["outcomes_grouped.autres"]:
        kinds.append(plural(others, "autre sortie (intérim, création d'activité)", "autres sorties"))
    found = f["persons_with_outcome"]
    verb = "a trouvé" if isinstance(found, int) and found < 2 else "ont trouvé"
    outcomes = f"{plural(found, 'personne')} {verb} un emploi ou une formation"
    if found:
        outcomes += " : " + ", ".join(kinds)
    sentence = f"{people} ; {appointments} ; {outcomes}."
    return sentence[0].upper() + sentence[1:]


@dataclass(frozen=True)
class Table:
    """A titled table: `rows[i][0]` is the row label; other cells are counts
    (int), text, or a hidden figure's marker. `masked`: some figure is hidden."""

    key: str
    title: str
    sheet: str  # a spreadsheet tab's name: 31 characters at most
    columns: list[str]
    rows: list[list]
    note: str = ""
    masked: bool = False
    total_row: bool = False
    text_columns: frozenset[int] = frozenset()

    def cells(self) -> dict[tuple[str, str], object]:
        """(row label, column) -> value, to compare two versions of a table."""
        return {
            (str(row[0]), column): value
            for row in self.rows
            for column, value in zip(self.columns[1:], row[1:], strict=True)
        }


@dataclass
class _Builder:
    """Collects the tables of one reader's figures (`f`)."""

    f: Figures
    tables: list[Table] = field(default_factory=list)

    def add(self, key, title, sheet, columns, rows, *, note="", total_row=False, text_columns=()):
        text_columns = frozenset(text_columns)
        masked = any(
            value in MARKERS
            for row in rows
            for index, value in enumerate(row)
            if index and index not in text_columns
        )
        self.tables.append(
            Table(
                key=key,
                title=title,
                sheet=sheet,
                columns=columns,
                rows=rows,
                note=note,
                masked=masked,
                total_row=total_row,
                text_columns=text_columns,
            )
        )


def key_figures(figures: Figures) -> list[tuple[str, object]]:
    return [(label, figures[name]) for label, name in KEY_FIGURES]


def bilan_tables(figures: Figures) -> list[Table]:
    """Every table of the bilan, in reading order, as `figures` shows them."""
    b = _Builder(figures)
    for add_tables in (
        _key_figures_table,
        _workshop_table,
        _outcome_tables,
        _person_tables,
        _venue_tables,
        _month_table,
        _referral_table,
        _follow_up_table,
    ):
        add_tables(b, figures)
    return b.tables


def _key_figures_table(b: _Builder, f: Figures) -> None:
    b.add(
        "chiffres-cles",
        "Chiffres clés",
        "Chiffres clés",
        ["Indicateur", str(f.bilan.year)],
        [list(r) for r in key_figures(f)],
    )


def _workshop_table(b: _Builder, f: Figures) -> None:
    b.add(
        "ateliers",
        "Ateliers collectifs (à côté de la grille du conseil)",
        "Ateliers",
        ["Indicateur", "Nombre"],
        [[label, f[name]] for label, name in WORKSHOP_FIGURES],
        note=f"Ateliers datés de {f.bilan.year}. {WORKSHOPS_NOTE}",
    )


def _outcome_tables(b: _Builder, f: Figures) -> None:
    year = f.bilan.year
    b.add(
        "sorties",
        "Sorties en emploi ou en formation, par type",
        "Sorties par type",
        ["Type de sortie", "Sorties"],
        [[kind.label, f[f"outcomes.{kind.value}"]] for kind in OutcomeKind]
        + [["Total des sorties", f["outcomes_total"]]],
        note=f"Sorties commençant en {year} des personnes accompagnées en {year}. "
        "Une personne peut compter dans plusieurs types.",
        total_row=True,
    )
    b.add(
        "sorties-regroupees",
        "Sorties, regroupées comme dans le bilan présenté au conseil",
        "Sorties regroupées",
        ["Regroupement", "Sorties"],
        [[label, f[f"outcomes_grouped.{key}"]] for key, (label, _) in OUTCOME_GROUPS.items()],
    )
    b.add(
        "emploi-formation",
        "Emploi, formation et emploi durable",
        "Emploi et formation",
        ["", "Personnes", "Sorties"],
        [
            [label, f[f"{subset}.persons"], f[f"{subset}.outcomes"]]
            for label, subset in (
                ("Emploi (tous types sauf formation)", "employment"),
                ("Formation", "training"),
                (
                    "Emploi durable (CDI, CDD ou intérim de 6 mois ou plus, création d'activité)",
                    "durable_employment",
                ),
            )
        ],
    )


def _person_tables(b: _Builder, f: Figures) -> None:
    b.add(
        "ages",
        "Âge à la première venue de l'année",
        "Âges",
        ["Tranche d'âge", "Personnes"],
        [[label, f[f"age_bands.{key}"]] for key, label in AGE_BANDS.items()],
    )
    fields = ("persons", "women", "men", "sex_unknown", "appointments")
    b.add(
        "quartiers",
        "Personnes accompagnées par quartier de résidence et sexe",
        "Quartiers de résidence",
        ["Quartier de résidence", "QPV", "Personnes", "Femmes", "Hommes", "Sexe non précisé", "Rendez-vous"],
        [
            [q.name, "oui" if q.is_priority else "non", *(f.of(q, name) for name in fields)]
            for q in f.bilan.by_quarter
        ]
        + [["Total", "", *(f[name] for name in fields)]],
        total_row=True,
        text_columns={1},
    )


def _venue_tables(b: _Builder, f: Figures) -> None:
    fields = ("permanences_held", "persons", "women", "men", "sex_unknown", "appointments")
    b.add(
        "lieux",
        "Activité par lieu d'accueil",
        "Lieux d'accueil",
        [
            "Lieu d'accueil",
            "Quartier du lieu",
            "Permanences tenues",
            "Personnes",
            "Femmes",
            "Hommes",
            "Sexe non précisé",
            "Rendez-vous",
        ],
        [[v.name, v.quarter, *(f.of(v, name) for name in fields)] for v in f.bilan.by_venue]
        + [["Ensemble", "", *(f[name] for name in fields)]],
        note="Une personne reçue dans deux lieux compte une fois dans chacun et une fois dans l'ensemble.",
        total_row=True,
        text_columns={1},
    )
    b.add(
        "lieux-sorties",
        "Sorties par lieu d'accueil et type",
        "Sorties par lieu",
        ["Lieu d'accueil", *OUTCOME_SHORT_LABELS.values(), "Total"],
        [
            [v.name, *(f.of(v, "outcomes", kind.value) for kind in OutcomeKind), f.of(v, "outcomes_total")]
            for v in f.bilan.by_venue
        ],
        note="Les sorties d'une personne reçue dans deux lieux comptent dans chacun.",
    )


def _month_table(b: _Builder, f: Figures) -> None:
    fields = ("permanences_held", "appointments", "persons")
    b.add(
        "mois",
        "Activité par mois",
        "Mois",
        ["Mois", "Permanences tenues", "Rendez-vous", "Personnes reçues"],
        [[m.name.capitalize(), *(f.of(m, name) for name in fields)] for m in f.bilan.by_month]
        + [["Année", *(f[name] for name in fields)]],
        note="Une personne reçue plusieurs mois compte dans chacun de ces mois et une fois dans l'année.",
        total_row=True,
    )


def _referral_table(b: _Builder, f: Figures) -> None:
    b.add(
        "orientations",
        "Orientations vers les partenaires et leur suite",
        "Orientations",
        ["Partenaire", "Orientations", "Réalisées", "Non suivies", "Suite en attente"],
        [[r.label, *(f.of(r, name) for name in REFERRAL_FIELDS)] for r in f.bilan.referrals]
        + [["Total", *(f[f"referral_totals.{name}"] for name in REFERRAL_FIELDS)]],
        note=f"Orientations proposées en {f.bilan.year}.",
        total_row=True,
    )


def _follow_up_table(b: _Builder, f: Figures) -> None:
    b.add(
        "suivis",
        "Rendez-vous de suivi (à côté de la grille : ce ne sont pas des rendez-vous individuels)",
        "Rendez-vous de suivi",
        ["Rendez-vous de suivi", str(f.bilan.year)],
        [
            ["Pris (non annulés)", f["follow_ups.booked"]],
            ["Honorés", f["follow_ups.honoured"]],
            ["Manqués", f["follow_ups.missed"]],
            ["Part des rendez-vous honorés (%)", f["follow_ups.honoured_pct"]],
        ],
        note=(
            f"Rendez-vous de suivi pris pour une permanence de {f.bilan.year}. La part des rendez-vous "
            "honorés est calculée sur ceux dont la permanence est passée (honorés ou manqués)."
        ),
    )

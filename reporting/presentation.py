"""The bilan in words and tables, as the dashboards and every export show it.

One source of layout for the page, the PDF, the XLSX and the CSV: the same
tables, the same labels, the same small-count masking for the city.
"""

from dataclasses import dataclass, field

from beneficiaries.enums import OutcomeKind

from .figures import AGE_BANDS, OUTCOME_GROUPS, Bilan, percent

# Statistical confidentiality: in cross-tabulations shown to the city, a
# count from 1 to 4 is not shown (zero is: it discloses nobody).
SMALL_COUNT_LIMIT = 5
MASK = "< 5"
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


def number(value: int) -> str:
    """1234 -> "1 234" (French grouping)."""
    return f"{value:,}".replace(",", NBSP)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 personne", "2 personnes", "0 personne" (French: 0 and 1 are singular)."""
    word = singular if count < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def mask(value):
    if isinstance(value, int) and 0 < value < SMALL_COUNT_LIMIT:
        return MASK
    return value


def headline(bilan: Bilan) -> str:
    """The figures in the words of the council report:

    "201 personnes accompagnées, dont 62 % de femmes et 38 % d'hommes ; 348
    rendez-vous individuels ; 34 personnes ont trouvé un emploi ou une
    formation : 8 CDI, 8 CDD, 12 contrats aidés ou d'apprentissage, 18 formations."
    """
    people = plural(bilan.persons, "personne accompagnée", "personnes accompagnées")
    if bilan.persons:
        people += f", dont {bilan.women_pct} % de femmes et {bilan.men_pct} % d'hommes"
    appointments = plural(bilan.appointments, "rendez-vous individuel", "rendez-vous individuels")
    grouped = bilan.outcomes_grouped
    kinds = [
        plural(grouped["cdi"], "CDI", "CDI"),
        plural(grouped["cdd"], "CDD", "CDD"),
        plural(
            grouped["contrat_aide_ou_apprentissage"],
            "contrat aidé ou d'apprentissage",
            "contrats aidés ou d'apprentissage",
        ),
        plural(grouped["formation"], "formation"),
    ]
    if grouped["autres"]:
        kinds.append(
            plural(grouped["autres"], "autre sortie (intérim, création d'activité)", "autres sorties")
        )
    found = bilan.persons_with_outcome
    verb = "a trouvé" if found < 2 else "ont trouvé"
    outcomes = f"{plural(found, 'personne')} {verb} un emploi ou une formation"
    if found:
        outcomes += " : " + ", ".join(kinds)
    return f"{people} ; {appointments} ; {outcomes}."


@dataclass(frozen=True)
class Table:
    """A titled table: `rows[i][0]` is the row label; other cells are counts
    (int) or text. `masked` tells whether small counts were hidden."""

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
    """Builds a table, hiding small counts in the cross-tabulated columns when asked."""

    masked: bool
    tables: list[Table] = field(default_factory=list)

    def add(
        self, key, title, sheet, columns, rows, *, crosstab=(), note="", total_row=False, text_columns=()
    ):
        if self.masked and crosstab:
            # The total row is the one-way split the headline already shows: never hidden.
            body, total = (rows[:-1], rows[-1:]) if total_row else (rows, [])
            rows = [[mask(v) if i in crosstab else v for i, v in enumerate(row)] for row in body] + total
        self.tables.append(
            Table(
                key=key,
                title=title,
                sheet=sheet,
                columns=columns,
                rows=rows,
                note=note,
                masked=self.masked and bool(crosstab),
                total_row=total_row,
                text_columns=frozenset(text_columns),
            )
        )


def key_figures(bilan: Bilan) -> list[tuple[str, object]]:
    return [
        ("Permanences tenues", bilan.permanences_held),
        ("Personnes accompagnées", bilan.persons),
        ("dont nouvelles personnes", bilan.new_persons),
        ("Femmes", bilan.women),
        ("Hommes", bilan.men),
        ("Sexe non précisé", bilan.sex_unknown),
        ("Part de femmes (%)", bilan.women_pct),
        ("Part d'hommes (%)", bilan.men_pct),
        ("Rendez-vous individuels", bilan.appointments),
        ("Personnes en emploi ou en formation", bilan.persons_with_outcome),
        ("Sorties en emploi ou en formation", bilan.outcomes_total),
        ("Personnes résidant en quartier prioritaire (QPV)", bilan.priority_quarter_residents),
        ("Part des personnes résidant en QPV (%)", bilan.priority_quarter_residents_pct),
    ]


def bilan_tables(bilan: Bilan, *, masked: bool) -> list[Table]:
    """Every table of the bilan, in reading order; `masked` for the city."""
    b = _Builder(masked=masked)
    for add_tables in (
        _key_figures_table,
        _outcome_tables,
        _person_tables,
        _venue_tables,
        _month_table,
        _referral_table,
    ):
        add_tables(b, bilan)
    return b.tables


def _key_figures_table(b: _Builder, bilan: Bilan) -> None:
    b.add(
        "chiffres-cles",
        "Chiffres clés",
        "Chiffres clés",
        ["Indicateur", str(bilan.year)],
        [list(r) for r in key_figures(bilan)],
    )


def _outcome_tables(b: _Builder, bilan: Bilan) -> None:
    b.add(
        "sorties",
        "Sorties en emploi ou en formation, par type",
        "Sorties par type",
        ["Type de sortie", "Sorties"],
        [[kind.label, bilan.outcomes.get(kind.value, 0)] for kind in OutcomeKind]
        + [["Total des sorties", bilan.outcomes_total]],
        note=f"Sorties commençant en {bilan.year} des personnes accompagnées en {bilan.year}. "
        "Une personne peut compter dans plusieurs types.",
        total_row=True,
    )
    grouped = bilan.outcomes_grouped
    b.add(
        "sorties-regroupees",
        "Sorties, regroupées comme dans le bilan présenté au conseil",
        "Sorties regroupées",
        ["Regroupement", "Sorties"],
        [[label, grouped[key]] for key, (label, _) in OUTCOME_GROUPS.items()],
    )
    b.add(
        "emploi-formation",
        "Emploi, formation et emploi durable",
        "Emploi et formation",
        ["", "Personnes", "Sorties"],
        [
            ["Emploi (tous types sauf formation)", bilan.employment.persons, bilan.employment.outcomes],
            ["Formation", bilan.training.persons, bilan.training.outcomes],
            [
                "Emploi durable (CDI, CDD ou intérim de 6 mois ou plus, création d'activité)",
                bilan.durable_employment.persons,
                bilan.durable_employment.outcomes,
            ],
        ],
    )


def _person_tables(b: _Builder, bilan: Bilan) -> None:
    b.add(
        "ages",
        "Âge à la première venue de l'année",
        "Âges",
        ["Tranche d'âge", "Personnes"],
        [[label, bilan.age_bands.get(key, 0)] for key, label in AGE_BANDS.items()],
    )
    b.add(
        "quartiers",
        "Personnes accompagnées par quartier de résidence et sexe",
        "Quartiers de résidence",
        ["Quartier de résidence", "QPV", "Personnes", "Femmes", "Hommes", "Sexe non précisé", "Rendez-vous"],
        [
            [
                q.name,
                "oui" if q.is_priority else "non",
                q.persons,
                q.women,
                q.men,
                q.sex_unknown,
                q.appointments,
            ]
            for q in bilan.by_quarter
        ]
        + [["Total", "", bilan.persons, bilan.women, bilan.men, bilan.sex_unknown, bilan.appointments]],
        crosstab={3, 4, 5},
        total_row=True,
        text_columns={1},
    )


def _venue_tables(b: _Builder, bilan: Bilan) -> None:
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
        [
            [v.name, v.quarter, v.permanences_held, v.persons, v.women, v.men, v.sex_unknown, v.appointments]
            for v in bilan.by_venue
        ]
        + [
            [
                "Ensemble",
                "",
                bilan.permanences_held,
                bilan.persons,
                bilan.women,
                bilan.men,
                bilan.sex_unknown,
                bilan.appointments,
            ]
        ],
        crosstab={4, 5, 6},
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
            [v.name, *(v.outcomes.get(kind.value, 0) for kind in OutcomeKind), sum(v.outcomes.values())]
            for v in bilan.by_venue
        ],
        crosstab=set(range(1, len(OutcomeKind) + 1)),
        note="Les sorties d'une personne reçue dans deux lieux comptent dans chacun.",
    )


def _month_table(b: _Builder, bilan: Bilan) -> None:
    b.add(
        "mois",
        "Activité par mois",
        "Mois",
        ["Mois", "Permanences tenues", "Rendez-vous", "Personnes reçues"],
        [[m.name.capitalize(), m.permanences_held, m.appointments, m.persons] for m in bilan.by_month]
        + [["Année", bilan.permanences_held, bilan.appointments, bilan.persons]],
        note="Une personne reçue plusieurs mois compte dans chacun de ces mois et une fois dans l'année.",
        total_row=True,
    )


def _referral_table(b: _Builder, bilan: Bilan) -> None:
    b.add(
        "orientations",
        "Orientations vers les partenaires et leur suite",
        "Orientations",
        ["Partenaire", "Orientations", "Réalisées", "Non suivies", "Suite en attente"],
        [[r.label, r.total, r.done, r.not_taken_up, r.proposed] for r in bilan.referrals]
        + [
            [
                "Total",
                sum(r.total for r in bilan.referrals),
                sum(r.done for r in bilan.referrals),
                sum(r.not_taken_up for r in bilan.referrals),
                sum(r.proposed for r in bilan.referrals),
            ]
        ],
        crosstab={2, 3, 4},
        note=f"Orientations proposées en {bilan.year}.",
        total_row=True,
    )


def change(current: int, previous: int) -> str:
    """ "+12 %", "−3 %", "=" or "—" (no previous figure)."""
    if previous == 0:
        return "—"
    delta = percent(abs(current - previous), previous)
    if current == previous or delta == 0:
        return "="
    return f"+{delta} %" if current > previous else f"−{delta} %"


def points(delta: int) -> str:
    """A change of a percentage, in points: "+2 pts", "−3 pts", "="."""
    if delta == 0:
        return "="
    return f"+{delta} pts" if delta > 0 else f"−{-delta} pts"


def comparison_table(current: Bilan, previous: Bilan, *, note: str = "") -> Table:
    """Year-over-year: the key figures of the year and of the one before."""
    rows = [
        [label, before, now, change(now, before) if "(%)" not in label else points(now - before)]
        for (label, now), (_, before) in zip(key_figures(current), key_figures(previous), strict=True)
    ]
    return Table(
        key="comparaison",
        title=f"Comparaison avec {previous.year}",
        sheet=f"Comparaison avec {previous.year}",
        columns=["Indicateur", str(previous.year), str(current.year), "Évolution"],
        rows=rows,
        note=note,
    )


@dataclass(frozen=True)
class Difference:
    table: str
    row: str
    column: str
    published: object
    live: object


def differences(published: Bilan, live: Bilan, *, masked: bool) -> list[Difference]:
    """Every cell where today's figures differ from the published ones."""
    found = []
    live_tables = {t.key: t for t in bilan_tables(live, masked=masked)}
    for table in bilan_tables(published, masked=masked):
        other = live_tables[table.key]
        before, now = table.cells(), other.cells()
        for key in list(before) + [k for k in now if k not in before]:
            old, new = before.get(key, "—"), now.get(key, "—")
            if old != new:
                found.append(Difference(table.title, key[0], key[1], old, new))
    return found

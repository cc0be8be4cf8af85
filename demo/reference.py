"""The figures the demo reproduces: Montreuil's published bilan of 2020.

2020 (city press release): 201 persons, 125 women and 76 men, 348 individual
appointments, 34 persons with an outcome starting in 2020: 8 CDI, 8 CDD,
12 contrats aidés ou d'apprentissage, 18 formations (46 outcomes: 12 persons
have two).
"""

from beneficiaries.enums import OutcomeKind

# The demo's first year: the one before the reference year, so that some
# persons of 2020 have come before.
FIRST_YEAR = 2019
REFERENCE_YEAR = 2020
# The published figures of the reference year.
REFERENCE_WOMEN = 125
REFERENCE_MEN = 76
REFERENCE_APPOINTMENTS = 348
# 12 persons with two outcomes, then 22 with one: 8 CDI, 8 CDD,
# 7 contrats aidés + 5 alternances = 12, 18 formations.
REFERENCE_OUTCOME_PAIRS = (
    [(OutcomeKind.FORMATION, OutcomeKind.CDD)] * 4
    + [(OutcomeKind.FORMATION, OutcomeKind.CDI)] * 3
    + [(OutcomeKind.FORMATION, OutcomeKind.CONTRAT_AIDE)] * 3
    + [(OutcomeKind.FORMATION, OutcomeKind.ALTERNANCE)] * 2
)
REFERENCE_OUTCOME_SINGLES = (
    [OutcomeKind.FORMATION] * 6
    + [OutcomeKind.CDD] * 4
    + [OutcomeKind.CDI] * 5
    + [OutcomeKind.CONTRAT_AIDE] * 4
    + [OutcomeKind.ALTERNANCE] * 3
)

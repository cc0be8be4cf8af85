"""Importing past activity from spreadsheets: persons, visits, outcomes.

`plan_import` (planner.py) reads the files, checks every row (cells.py and
one module per file: persons.py, visits.py, outcomes.py) and compares it with
the database: the resulting `ImportPlan` (plan.py) lists what would be
created, updated or left unchanged, and every problem (file, line, column,
French message). `write_plan` (writer.py) writes a plan that has no problem,
with bulk queries. Both run inside `services.activity_import`, one
transaction: one invalid row and nothing is written.

Formats (a header row with these names, in any order; extra columns ignored;
CSV or XLSX, see `core.spreadsheets.read_sheet`; dates YYYY-MM-DD or
DD/MM/YYYY, see `core.dates.parse_date`):

- persons (`beneficiaries`): ref, last_name, first_name, sex (F, M or empty
  for "not stated"), birth_date, quarter (a quarter name or empty), phone, email;
- visits: ref, date, venue (a venue name), kind (premier_accueil or suivi),
  topics (topic codes separated by |), referral (partner codes separated by |,
  each optionally followed by :result[:date]), notes;
- outcomes: ref, type (an outcome kind code), start_date, end_date, label.

Only ref and the names (persons), ref, date and venue (visits), ref, type and
start_date (outcomes) are required columns. A column that is absent leaves
the stored value as it is; a column that is present is the truth, empty cells
included — except referrals, which are added and never removed. Birth dates
and outcome dates are bounded as in the forms, in the same words
(`beneficiaries.bounds`); texts are as long as the model fields allow.
"""

from .plan import (
    COLUMNS,
    FILE_LABELS,
    LIST_SEPARATOR,
    OUTCOMES,
    PERSONS,
    VISITS,
    ImportPlan,
    ImportSource,
    ReferralCell,
)
from .planner import plan_import
from .writer import write_plan

__all__ = [
    "COLUMNS",
    "FILE_LABELS",
    "LIST_SEPARATOR",
    "OUTCOMES",
    "PERSONS",
    "VISITS",
    "ImportPlan",
    "ImportSource",
    "ReferralCell",
    "plan_import",
    "write_plan",
]

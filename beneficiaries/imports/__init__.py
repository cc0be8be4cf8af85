"""Importing activity from spreadsheets: persons, sessions, visits, referrals, outcomes,
workshops and their registrations.

`plan_import` (planner.py) reads the files, checks every row (cells.py and
one module per file: persons.py, sessions.py, visits.py, referrals.py,
outcomes.py, workshops.py, registrations.py), finds who each person is (matching.py) and compares every row
with the database: the resulting `ImportPlan` (plan.py) lists what would be
created, updated or left unchanged, the persons who look like stored files
(each waiting for the coordinator's decision), and every problem (file,
line, column, French message). `write_plan` (writer.py) writes a plan that
has no problem and no pending decision, with bulk queries. Both run inside
`data_services.activity_import`, one transaction: one invalid row and
nothing is written. Both count what they have done in an `ImportProgress`
(progress.py), the progress bar of a background job (`import_jobs.py`), whose
preview is kept as JSON (stored.py). Files are read as streams, within the
bounds of `core.sheet_reader`.

The files and their columns are in formats.py, and described for users in
docs/IMPORT.md. The nominative export (beneficiaries/exports.py) writes
the same files, every column, so that export then import into an empty
database gives back the same files.
"""

from .formats import (
    COLUMNS,
    EXPORT_COLUMNS,
    FILE_LABELS,
    LIST_SEPARATOR,
    OUTCOMES,
    PERSONS,
    REFERRALS,
    REGISTRATIONS,
    REQUIRED_COLUMNS,
    SESSIONS,
    TIME_FORMAT,
    VISITS,
    WORKSHOPS,
    ReferralCell,
)
from .plan import NEW_PERSON, Decisions, ImportPlan, ImportSource, LikelyDuplicate
from .planner import plan_import
from .progress import ImportProgress
from .stored import StoredPlan, plan_as_json, plan_from_json
from .writer import write_plan

__all__ = [
    "COLUMNS",
    "EXPORT_COLUMNS",
    "FILE_LABELS",
    "LIST_SEPARATOR",
    "NEW_PERSON",
    "OUTCOMES",
    "PERSONS",
    "REFERRALS",
    "REGISTRATIONS",
    "REQUIRED_COLUMNS",
    "SESSIONS",
    "TIME_FORMAT",
    "VISITS",
    "WORKSHOPS",
    "Decisions",
    "ImportPlan",
    "ImportProgress",
    "ImportSource",
    "LikelyDuplicate",
    "ReferralCell",
    "StoredPlan",
    "plan_as_json",
    "plan_from_json",
    "plan_import",
    "write_plan",
]

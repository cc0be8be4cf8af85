"""Case files, in four modules:

- `beneficiary`: the file of a person (`Beneficiary`), its reference, its search;
- `activity`: what was done with the person — visits, referrals, outcomes, topics;
- `appointments`: follow-up appointments booked at coming sessions;
- `caseload`: the caseloads of the referent counsellors, and their counts;
- `data`: coordination's data work — pending imports and their jobs, nominative exports, merges;
- `workshops`: collective workshops, their registrations and attendance.
"""

from .activity import ANONYMISED_READ_ONLY, NOTES_MAX_LENGTH, Outcome, Referral, Topic, Visit
from .appointments import Appointment
from .beneficiary import (
    NAME_FIELDS,
    SEARCH_LIMIT,
    SEARCH_MIN_LENGTH,
    Beneficiary,
    RefSequence,
    next_ref,
    next_refs,
    no_contact_since,
)
from .caseload import UNSEEN_FOR, CaseloadCounts, caseload_table
from .data import BeneficiaryMerge, DistinctPair, ImportJob, ImportUpload, NominativeExport
from .workshops import Workshop, WorkshopRegistration, WorkshopTheme

__all__ = [
    "ANONYMISED_READ_ONLY",
    "NAME_FIELDS",
    "NOTES_MAX_LENGTH",
    "SEARCH_LIMIT",
    "SEARCH_MIN_LENGTH",
    "UNSEEN_FOR",
    "Appointment",
    "Beneficiary",
    "BeneficiaryMerge",
    "CaseloadCounts",
    "DistinctPair",
    "ImportJob",
    "ImportUpload",
    "NominativeExport",
    "Outcome",
    "RefSequence",
    "Referral",
    "Topic",
    "Visit",
    "Workshop",
    "WorkshopRegistration",
    "WorkshopTheme",
    "caseload_table",
    "next_ref",
    "next_refs",
    "no_contact_since",
]

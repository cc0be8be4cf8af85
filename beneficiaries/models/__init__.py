"""Case files, in three modules:

- `beneficiary`: the file of a person (`Beneficiary`), its reference, its search;
- `activity`: what was done with the person — visits, referrals, outcomes, topics;
- `data`: coordination's data work — pending imports and their jobs, nominative exports, merges;
- `workshops`: collective workshops, their registrations and attendance.
"""

from .activity import ANONYMISED_READ_ONLY, NOTES_MAX_LENGTH, Outcome, Referral, Topic, Visit
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
from .data import BeneficiaryMerge, DistinctPair, ImportJob, ImportUpload, NominativeExport
from .workshops import Workshop, WorkshopRegistration, WorkshopTheme

__all__ = [
    "ANONYMISED_READ_ONLY",
    "NAME_FIELDS",
    "NOTES_MAX_LENGTH",
    "SEARCH_LIMIT",
    "SEARCH_MIN_LENGTH",
    "Beneficiary",
    "BeneficiaryMerge",
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
    "next_ref",
    "next_refs",
    "no_contact_since",
]

"""Case files, in four modules:

- `beneficiary`: the file of a person (`Beneficiary`), its reference, its search;
- `activity`: what was done with the person — visits, referrals, outcomes, topics;
- `appointments`: follow-up appointments booked at coming sessions;
- `data`: coordination's data work — pending imports and their jobs, nominative exports, merges.
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
from .data import BeneficiaryMerge, DistinctPair, ImportJob, ImportUpload, NominativeExport

__all__ = [
    "ANONYMISED_READ_ONLY",
    "NAME_FIELDS",
    "NOTES_MAX_LENGTH",
    "SEARCH_LIMIT",
    "SEARCH_MIN_LENGTH",
    "Appointment",
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
    "next_ref",
    "next_refs",
    "no_contact_since",
]

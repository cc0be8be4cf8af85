"""The files of the import and of the nominative export: their kinds, their
columns, the codes their cells hold (docs/IMPORT.md, « Format des fichiers »)."""

import datetime
from dataclasses import dataclass

from ..enums import ReferralStatus

PERSONS, SESSIONS, VISITS, REFERRALS, OUTCOMES, WORKSHOPS, REGISTRATIONS = (
    "beneficiaries",
    "sessions",
    "visits",
    "referrals",
    "outcomes",
    "workshops",
    "registrations",
)
# In reading order: a file may point to the rows of the files before it.
FILE_LABELS = {
    PERSONS: "personnes",
    SESSIONS: "permanences",
    VISITS: "rendez-vous",
    REFERRALS: "orientations",
    OUTCOMES: "sorties",
    WORKSHOPS: "ateliers",
    REGISTRATIONS: "inscriptions aux ateliers",
}
COLUMNS = {
    PERSONS: (
        "ref",
        "last_name",
        "first_name",
        "sex",
        "birth_date",
        "quarter",
        "phone",
        "email",
        "france_travail",
        "rsa",
        "rqth",
        "qualification_level",
        "notice_given_on",
        "referent",
        "anonymised_on",
    ),
    SESSIONS: ("venue", "date", "start_time", "end_time", "status", "cancel_reason", "counsellors"),
    VISITS: (
        "ref",
        "date",
        "venue",
        "start_time",
        "kind",
        "counsellor",
        "duration_minutes",
        "topics",
        "notes",
        "next_step",
        "next_step_due",
        "next_step_done_on",
        # The first format's referrals, one cell per visit; the export writes the referrals file instead.
        "referral",
    ),
    REFERRALS: (
        "ref",
        "proposed_on",
        "partner",
        "detail",
        "status",
        "checked_on",
        "channel",
        "visit_date",
        "venue",
        "start_time",
    ),
    OUTCOMES: ("ref", "type", "start_date", "end_date", "working_time", "label"),
    WORKSHOPS: (
        "venue",
        "date",
        "start_time",
        "end_time",
        "theme",
        "capacity",
        "facilitator",
        "facilitator_name",
        "status",
        "cancel_reason",
    ),
    REGISTRATIONS: ("ref", "date", "venue", "start_time", "status", "attendance"),
}
REQUIRED_COLUMNS = {
    PERSONS: ("last_name", "first_name"),
    SESSIONS: ("venue", "date", "start_time", "end_time"),
    VISITS: ("ref", "date", "venue"),
    REFERRALS: ("ref", "proposed_on", "partner"),
    OUTCOMES: ("ref", "type", "start_date"),
    WORKSHOPS: ("venue", "date", "start_time", "end_time", "theme", "capacity"),
    REGISTRATIONS: ("ref", "date", "venue", "start_time"),
}
# What the export writes: every column but the first format's referral cell.
EXPORT_COLUMNS = {
    kind: tuple(name for name in names if name != "referral") for kind, names in COLUMNS.items()
}
LIST_SEPARATOR = "|"
TIME_FORMAT = "%H:%M"


@dataclass(frozen=True, slots=True)
class ReferralCell:
    """One referral of a visit's `referral` cell (the first format): `partner`,
    `partner:status` or `partner:status:YYYY-MM-DD` (the date its result was checked)."""

    partner: str
    status: str = ReferralStatus.PROPOSED
    checked_on: datetime.date | None = None

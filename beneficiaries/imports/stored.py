"""A plan as its preview shows it, in JSON: what a background job keeps for the
page that shows its result (`ImportJob.result`).

Only what the preview page reads is kept: the files' names, the tallies, the
problems, the first changes and the likely duplicates with their candidate
files. What the writer needs is not: a confirmation plans the files again.
"""

import dataclasses
import datetime
from typing import Any

from .plan import Candidate, Change, ImportPlan, LikelyDuplicate, Problem, Tally

# The changes listed on the preview page; the others are counted.
CHANGES_SHOWN = 100
TALLIES = ("persons", "permanences", "visits", "referrals", "outcomes", "workshops", "registrations")


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def plan_as_json(plan: ImportPlan) -> dict[str, Any]:
    duplicates = [
        {
            **{name: getattr(row, name) for name in ("line", "ref", "last_name", "first_name", "phone")},
            "birth_date": _iso(row.birth_date),
            "decision": row.decision,
            "candidates": [
                {
                    **dataclasses.asdict(candidate),
                    "birth_date": _iso(candidate.birth_date),
                    "last_visit": _iso(candidate.last_visit),
                }
                for candidate in row.candidates
            ],
        }
        for row in plan.likely_duplicates
    ]
    return {
        "files": plan.files,
        "problems": [dataclasses.asdict(problem) for problem in plan.problems],
        "truncated": plan.truncated,
        "tallies": {name: dataclasses.asdict(getattr(plan, name)) for name in TALLIES},
        "changes": [dataclasses.asdict(change) for change in plan.changes[:CHANGES_SHOWN]],
        "changes_count": len(plan.changes),
        "likely_duplicates": duplicates,
    }


class StoredPlan(ImportPlan):
    """A plan read back from JSON: everything the preview shows, nothing to write."""

    changes_count: int = 0

    @property
    def changes_not_shown(self) -> int:
        return self.changes_count - len(self.changes)


def plan_from_json(data: dict[str, Any]) -> StoredPlan:
    plan = StoredPlan(files=data["files"], truncated=data["truncated"])
    plan.problems = [Problem(**problem) for problem in data["problems"]]
    for name in TALLIES:
        # A preview kept from before a kind of file existed has no tally for it.
        setattr(plan, name, Tally(**data["tallies"].get(name, {})))
    plan.changes = [Change(**change) for change in data["changes"]]
    plan.changes_count = data["changes_count"]
    plan.likely_duplicates = [
        LikelyDuplicate(
            **{
                **row,
                "birth_date": _day(row["birth_date"]),
                "candidates": [
                    Candidate(
                        **{
                            **candidate,
                            "birth_date": _day(candidate["birth_date"]),
                            "last_visit": _day(candidate["last_visit"]),
                        }
                    )
                    for candidate in row["candidates"]
                ],
            }
        )
        for row in data["likely_duplicates"]
    ]
    return plan

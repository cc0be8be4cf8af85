"""The messages page's counts: per channel and per day, by what became of them."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

from .enums import Channel, Status

# What the counts tell apart: waiting (or being handed over), sent, failed, not sent.
OUTCOMES = {
    "waiting": ("En attente", (Status.QUEUED, Status.SENDING)),
    "sent": ("Envoyés", (Status.SENT, Status.DELIVERED)),
    "failed": ("Échecs", (Status.FAILED,)),
    "cancelled": ("Non envoyés", (Status.CANCELLED,)),
}
OUTCOME_OF = {status: key for key, (_, statuses) in OUTCOMES.items() for status in statuses}
# The latest days listed one by one; the totals count every day of the filter.
DAYS_SHOWN = 31


@dataclass
class Counts:
    """Counts per (channel, outcome), and their total."""

    cells: Counter = field(default_factory=Counter)

    def add(self, channel: str, status: str, n: int) -> None:
        self.cells[(channel, OUTCOME_OF[status])] += n

    @property
    def values(self) -> list[int]:
        """In the columns' order (`columns()`)."""
        return [self.cells[(channel, outcome)] for channel in Channel.values for outcome in OUTCOMES]

    @property
    def total(self) -> int:
        return sum(self.cells.values())


@dataclass
class Summary:
    total: Counts
    days: list[tuple[datetime.date, Counts]]  # the latest DAYS_SHOWN days with a message
    more_days: bool


def columns() -> list[tuple[str, str]]:
    """(channel label, outcome label) of each count, in order."""
    return [(channel.label, label) for channel in Channel for label, _ in OUTCOMES.values()]


def summary(messages: QuerySet) -> Summary:
    """One query: the counts of `messages` per day queued, channel and status."""
    rows = (
        messages.order_by()
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "channel", "status")
        .annotate(n=Count("pk"))
    )
    total, by_day = Counts(), {}
    for day, channel, status, n in rows:
        total.add(channel, status, n)
        by_day.setdefault(day, Counts()).add(channel, status, n)
    days = sorted(by_day.items(), reverse=True)
    return Summary(total=total, days=days[:DAYS_SHOWN], more_days=len(days) > DAYS_SHOWN)

"""Messages to persons per month of the year, by channel and by what became of them
(messaging/summary.py): operational counts beside the bilan, never in it.

For the city (`ville`), as every count about persons (docs/BILAN.md, « Secret
statistique »): a count from 1 to 4 reads "< 5", and no total is shown — a row or
column of totals would give a hidden count back by difference. Coordination sees
every count and the totals.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractMonth

from messaging.models import Message
from messaging.summary import Counts, columns

from .disclosure import SMALL, is_small
from .figures import MONTH_NAMES, MONTHS


@dataclass
class MessageMonths:
    columns: list[tuple[str, str]]
    rows: list[tuple[str, list]]  # (month, the counts of each column)
    total: list[int] | None  # None for the city
    masked: bool


def message_months(year: int, *, masked: bool) -> MessageMonths:
    """One query: the messages queued in `year`, per month, channel and status."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    rows = (
        Message.objects.filter(created_at__date__gte=start, created_at__date__lt=end)
        .order_by()
        .annotate(month=ExtractMonth("created_at"))
        .values_list("month", "channel", "status")
        .annotate(n=Count("pk"))
    )
    by_month, total = {month: Counts() for month in MONTHS}, Counts()
    for month, channel, status, n in rows:
        by_month[month].add(channel, status, n)
        total.add(channel, status, n)

    def shown(values: list[int]) -> list:
        return [SMALL if masked and is_small(value) else value for value in values]

    return MessageMonths(
        columns=columns(),
        rows=[(MONTH_NAMES[month - 1], shown(by_month[month].values)) for month in MONTHS],
        total=None if masked else total.values,
        masked=masked,
    )

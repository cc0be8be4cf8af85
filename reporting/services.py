"""Writes of the reporting app: publishing a year's figures."""

from django.db import transaction

from .bilan import compute_bilan
from .models import PublishedBilan


@transaction.atomic
def bilan_publish(*, year: int, user, note: str = "") -> PublishedBilan:
    """Freeze the year's full figures (every key of docs/BILAN.md) as presented to the council."""
    return PublishedBilan.objects.create(
        year=year,
        figures=compute_bilan(year).as_dict(),
        published_by=user,
        note=note,
    )

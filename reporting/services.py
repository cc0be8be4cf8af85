"""Writes of the reporting app: publishing a year's figures."""

from django.db import transaction
from django.utils import timezone

from .bilan import compute_bilan
from .models import PublishedBilan

NOT_OVER = "Seul le bilan d'une année terminée peut être publié : attendez le 1er janvier."


class BilanError(Exception):
    """A reporting action that cannot be done; the message is for the user."""


def check_publishable(year: int) -> int:
    """`year` if it is over (Paris time); otherwise BilanError: its figures still move."""
    if year >= timezone.localdate().year:
        raise BilanError(NOT_OVER)
    return year


@transaction.atomic
def bilan_publish(*, year: int, user, note: str = "") -> PublishedBilan:
    """Freeze the year's full figures (every key of docs/BILAN.md) as presented to the council."""
    check_publishable(year)
    return PublishedBilan.objects.create(
        year=year,
        figures=compute_bilan(year).as_dict(),
        published_by=user,
        note=note,
    )

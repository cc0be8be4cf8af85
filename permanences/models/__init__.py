"""The models of territory and sessions, one module per subject."""

from .permanence import Permanence, PermanenceQuerySet
from .public_info import PUBLIC_INFO_PK, PublicInfo, PublicInfoQuerySet
from .territory import Quarter, Venue, VenueQuerySet, WeeklySlot, WeeklySlotQuerySet

__all__ = [
    "PUBLIC_INFO_PK",
    "Permanence",
    "PermanenceQuerySet",
    "PublicInfo",
    "PublicInfoQuerySet",
    "Quarter",
    "Venue",
    "VenueQuerySet",
    "WeeklySlot",
    "WeeklySlotQuerySet",
]

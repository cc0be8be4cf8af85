"""The reference territory of DESIGN.md: Montreuil's six quarters of the drop-ins.

Only the venue names the city has published are presented as real. The
example venues, every address and every weekly slot are example data that an
admin edits; QPV flags and codes are left for an admin to set.
"""

import datetime

from django.db import transaction
from django.db.models.functions import Lower

from .enums import VenueKind, Weekday
from .models import Quarter, Venue, WeeklySlot

CITY = "Montreuil"
POSTAL_CODE = "93100"
# The drop-ins have run since 2015.
SLOTS_VALID_FROM = datetime.date(2015, 1, 1)

# quarter -> venues: (name, kind, published by the city, example weekly slots)
TERRITORY: dict[str, list[tuple[str, str, bool, list[tuple[int, str, str]]]]] = {
    "Bel Air – Grands Pêchers": [
        ("Centre social Grand Air", VenueKind.CENTRE_SOCIAL, True, [(Weekday.MONDAY, "09:30", "12:30")]),
    ],
    "Montreau – Le Morillon": [
        ("Centre social Espéranto", VenueKind.CENTRE_SOCIAL, True, [(Weekday.TUESDAY, "14:00", "17:00")]),
    ],
    "Bas Montreuil – République": [
        (
            "Centre social Lounès Matoub",
            VenueKind.CENTRE_SOCIAL,
            True,
            [(Weekday.WEDNESDAY, "09:30", "12:30")],
        ),
        (
            "Antenne vie de quartier République",
            VenueKind.ANTENNE,
            True,
            [(Weekday.FRIDAY, "09:30", "12:30"), (Weekday.SATURDAY, "10:00", "12:00")],
        ),
    ],
    "La Noue": [
        ("Lieu d'accueil La Noue (exemple)", VenueKind.AUTRE, False, [(Weekday.TUESDAY, "09:30", "12:30")]),
    ],
    "Branly – Boissière": [
        (
            "Centre social SFM Montreuil",
            VenueKind.CENTRE_SOCIAL,
            True,
            [(Weekday.THURSDAY, "14:00", "17:00")],
        ),
    ],
    "Centre-ville – Cité de l'Espoir": [
        (
            "Lieu d'accueil cité de l'Espoir (exemple)",
            VenueKind.AUTRE,
            False,
            [(Weekday.THURSDAY, "09:30", "12:30")],
        ),
    ],
}


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


@transaction.atomic
def seed_territory() -> dict[str, int]:
    """Create what is missing of the reference territory; never undo an admin's edits.

    A published venue is created when no venue has its name. An example venue
    is created only for a quarter that has no venue at all (an admin who
    renamed or replaced it keeps their version). Weekly slots are created only
    with the venues created here.
    """
    counts = {"quarters": 0, "venues": 0, "slots": 0}
    for quarter_name, venues in TERRITORY.items():
        quarter = Quarter.objects.annotate(lname=Lower("name")).filter(lname=quarter_name.lower()).first()
        if quarter is None:
            quarter = Quarter.objects.create(name=quarter_name)
            counts["quarters"] += 1
        quarter_had_venues = quarter.venues.exists()
        for name, kind, published, slots in venues:
            if not published and quarter_had_venues:
                continue
            if Venue.objects.annotate(lname=Lower("name")).filter(lname=name.lower()).exists():
                continue
            venue = Venue.objects.create(
                name=name,
                kind=kind,
                quarter=quarter,
                city=CITY,
                postal_code=POSTAL_CODE,
                is_example=not published,
            )
            counts["venues"] += 1
            for weekday, start, end in slots:
                WeeklySlot.objects.create(
                    venue=venue,
                    weekday=weekday,
                    start_time=_time(start),
                    end_time=_time(end),
                    valid_from=SLOTS_VALID_FROM,
                )
                counts["slots"] += 1
    return counts

"""The demo's caseloads: the demo counsellor and a fictitious colleague each follow,
as referents, persons seen in the last twelve months; a few of those, and everyone
seen only before, have no referent."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from beneficiaries.models import Beneficiary
from core.enums import Role

from .people import Person

# A colleague who never logs in (no password): a second caseload for coordination to see and move.
COLLEAGUE = ("conseiller", "Karim", "Démo-Conseiller")
RECENT = datetime.timedelta(days=365)


def ensure_colleague():
    username, first_name, last_name = COLLEAGUE
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@example.org"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=Role.CONSEILLER))
    return user


def assign_caseloads(people: list[Person], *, counsellor, rng: random.Random, today: datetime.date) -> None:
    """The colleague follows the persons of a third of the venues, the demo counsellor
    those of the others; one in seven recent persons is left without a referent."""
    colleague = ensure_colleague()
    recent = [person for person in people if person.visit_dates and max(person.visit_dates) >= today - RECENT]
    venues = sorted({person.home_venue.pk for person in recent})
    theirs = set(venues[: max(1, len(venues) // 3)])
    referents: dict[int, list[int]] = {counsellor.pk: [], colleague.pk: []}
    for person in recent:
        if rng.random() < 1 / 7:
            continue
        referent = colleague if person.home_venue.pk in theirs else counsellor
        referents[referent.pk].append(person.row.pk)
    for referent_id, pks in referents.items():
        Beneficiary.objects.filter(pk__in=pks).update(referent_id=referent_id)

"""Fictitious case files for the search, and the server time of searching them.

The searches go through the real view (middleware, SQL, template), as htmx
asks for them; see docs/BENCHMARKS.md.
"""

import datetime
import random

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Beneficiary, Visit, next_refs
from core.enums import Role
from demo import names
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue
from permanences.territory import seed_territory

from .db import BenchmarkError
from .timing import Timing, time_each

BATCH = 5000
# The kinds of search: key in the figures, name in the report, query made from a person.
KINDS = {
    "exact_name": ("nom exact", lambda rng, p: f"{p.last_name} {p.first_name}"),
    "typo_no_accent": ("nom avec faute, sans accent", lambda rng, p: typo(rng, p.search_key)),
    "phone": ("téléphone", lambda rng, p: p.phone.replace(" ", "")),
    "birth_date": ("date de naissance", lambda rng, p: p.birth_date.strftime("%d/%m/%Y")),
    "ref": ("référence", lambda rng, p: p.ref),
}
# Two of each kind at least: a 90th percentile needs two measurements.
MIN_SEARCHES = 2 * len(KINDS)


def generate(rng: random.Random, count: int) -> None:
    """`count` persons with one to three visits each, over weekly sessions of five years."""
    seed_territory()
    venues = list(Venue.objects.all())
    start = datetime.date(2021, 1, 4)
    permanences = Permanence.objects.bulk_create(
        Permanence(
            venue=venue,
            date=start + datetime.timedelta(days=day),
            start_time=datetime.time(9, 30),
            end_time=datetime.time(12, 30),
            status=PermanenceStatus.HELD,
        )
        for day in range(0, 5 * 365, 7)
        for venue in venues
    )
    refs = next_refs(2021, count)
    for first in range(0, count, BATCH):
        rows = [_person(rng, n, refs[n]) for n in range(first, min(first + BATCH, count))]
        Beneficiary.objects.bulk_create(rows)
        Visit.objects.bulk_create(
            Visit(beneficiary=person, permanence=permanence)
            for person in rows
            for permanence in rng.sample(permanences, rng.randint(1, 3))
        )


def _person(rng: random.Random, n: int, ref: str) -> Beneficiary:
    female = rng.random() < 0.6
    return Beneficiary(
        ref=ref,
        last_name=rng.choice(names.FAMILY_NAMES),
        first_name=rng.choice(names.FEMALE_FIRST_NAMES if female else names.MALE_FIRST_NAMES),
        sex="F" if female else "M",
        birth_date=datetime.date(rng.randint(1950, 2006), rng.randint(1, 12), rng.randint(1, 28)),
        phone=f"06 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {n // 100 % 100:02d} {n % 100:02d}",
    )


def measure(rng: random.Random, searches: int) -> dict[str, Timing]:
    """`searches` searches (MIN_SEARCHES at least), shared among the kinds, each
    for a person drawn at random."""
    per_kind = [searches // len(KINDS) + (i < searches % len(KINDS)) for i in range(len(KINDS))]
    sample = list(Beneficiary.objects.order_by("?")[: per_kind[0]])
    if not sample:
        raise BenchmarkError("La base ne contient aucun dossier à rechercher.")
    client = _logged_in_counsellor()
    url = reverse("beneficiaries:search")

    def search(query: str) -> None:
        response = client.get(url, {"q": query}, headers={"HX-Request": "true"}, SERVER_NAME="localhost")
        if response.status_code != 200:
            raise BenchmarkError(f"La recherche a répondu {response.status_code}.")

    timings = {}
    for (kind, (_, make)), count in zip(KINDS.items(), per_kind, strict=True):
        queries = [make(rng, sample[i % len(sample)]) for i in range(count)]
        timings[kind] = time_each(search, queries)
    return timings


def _logged_in_counsellor() -> Client:
    user, created = get_user_model().objects.get_or_create(username="bench-conseillere")
    user.groups.add(Group.objects.get(name=Role.CONSEILLER))
    if created:
        # Counsellors log in with a second factor: the session then counts as checked.
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def typo(rng: random.Random, key: str) -> str:
    """Drop one letter of the family name (accents are already gone from the key)."""
    last, _, first = key.partition(" ")
    if len(last) > 4:
        i = rng.randrange(1, len(last) - 1)
        last = last[:i] + last[i + 1 :]
    return f"{last} {first}"

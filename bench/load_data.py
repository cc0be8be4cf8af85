"""What the load benchmark runs on: the bilan benchmark's dataset (generated, or
the one already in the database), today's sessions, and accounts of each role
with a password and a TOTP secret the simulated users know."""

import datetime
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, Outcome, Visit
from core.accounts import requires_two_factor
from core.enums import Role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue
from permanences.services import permanences_plan

from . import bilan
from .db import check_database
from .timing import Stopwatch

# The users' mix (issue 16): counsellors 70 %, coordination 20 %, the city 10 %.
MIX = {Role.CONSEILLER: 0.7, Role.COORDINATION: 0.2, Role.VILLE: 0.1}
PASSWORD = "banc-d-essai-charge-2026"  # noqa: S105 (fictitious accounts of a throwaway database)
USERNAME = "banc-{role}-{number:03d}"
# Persons the counsellors receive, drawn once at random from the files.
PERSONS_SAMPLE = 5000
# A session for the venues the weekly slots leave without one today.
ALL_DAY = (datetime.time(8, 0), datetime.time(20, 0))


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    totp_secret: str | None
    # The session of today a counsellor is assigned to (its desk).
    session: int | None


@dataclass(frozen=True)
class Dataset:
    generated: dict[str, int] | None
    generation_ms: float | None
    persons: int
    visits: int
    outcomes: int
    # What the coordination and the city look at: a year of the dataset, its venues and quarters.
    year: int
    venues: list[int]
    quarters: list[int]
    # (pk, search key) of the persons the counsellors receive.
    people: list[tuple[int, str]]


def roles_for(users: int) -> list[str]:
    """The role of each simulated user, in the order they join: each one goes to the
    role furthest below its share (on a tie, the first of MIX: counsellors), so that
    every step is as close to MIX as it can be."""
    roles: list[str] = []
    for n in range(1, users + 1):
        deficit = {role: round(share * n - roles.count(role), 6) for role, share in MIX.items()}
        roles.append(max(deficit, key=deficit.get))
    return roles


def prepare(*, persons: int, visits: int, years: int) -> Dataset:
    """The bilan's dataset of `persons` and `visits`, generated when the database
    holds no case file; else the files already there are used as they are."""
    check_database()
    generated, generation_ms = None, None
    if not Beneficiary.objects.exists():
        size = bilan.default_size(persons=persons, visits=visits, years=years)
        with Stopwatch() as watch:
            with transaction.atomic():
                generated = bilan.generate(size)
            bilan.vacuum_analyze()
        generation_ms = watch.ms
    last_year = timezone.localdate().year - 1
    people = list(
        Beneficiary.objects.identified().order_by("?").values_list("pk", "search_key")[:PERSONS_SAMPLE]
    )
    return Dataset(
        generated=generated,
        generation_ms=generation_ms,
        persons=Beneficiary.objects.count(),
        visits=Visit.objects.count(),
        outcomes=Outcome.objects.count(),
        year=last_year,
        venues=list(Venue.objects.order_by("pk").values_list("pk", flat=True)),
        quarters=list(Quarter.objects.order_by("pk").values_list("pk", flat=True)),
        people=people,
    )


def today_sessions() -> list[int]:
    """Today's sessions, one at least for every active venue: those of the weekly
    slots (as the counsellors' page plans them), and an all-day one where none."""
    day = timezone.localdate()
    permanences_plan(start=day, end=day)
    for venue in Venue.objects.active():
        if not Permanence.objects.on(day).filter(venue=venue).exclude(status=PermanenceStatus.CANCELLED):
            Permanence.objects.create(venue=venue, date=day, start_time=ALL_DAY[0], end_time=ALL_DAY[1])
    return list(
        Permanence.objects.on(day)
        .exclude(status=PermanenceStatus.CANCELLED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def make_accounts(users: int) -> list[Account]:
    """`users` accounts, roles as `roles_for` deals them, each with the benchmark's
    password and, where its role requires one, a new TOTP secret; a counsellor
    is assigned to one of today's sessions, in turn."""
    sessions = today_sessions()
    numbers = dict.fromkeys(MIX, 0)
    accounts = []
    for role in roles_for(users):
        numbers[role] += 1
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME.format(role=role, number=numbers[role]),
            defaults={"first_name": "Banc", "last_name": f"{role} {numbers[role]}"},
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        Authenticator.objects.filter(user=user).delete()
        secret = None
        if requires_two_factor(user):
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
        session = None
        if role == Role.CONSEILLER:
            session = sessions[(numbers[role] - 1) % len(sessions)]
            Permanence.objects.get(pk=session).counsellors.add(user)
        accounts.append(Account(user.get_username(), role, secret, session))
    return accounts

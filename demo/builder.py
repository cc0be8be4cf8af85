"""Build the demonstration database: a fictitious year 2020 whose bilan is
exactly Montreuil's published one, and other years up to today.

2020 (city press release): 201 persons, 125 women and 76 men, 348 individual
appointments, 34 persons with an outcome starting in 2020: 8 CDI, 8 CDD,
12 contrats aidés ou d'apprentissage, 18 formations (46 outcomes: 12 persons
have two). The other years are random but plausible. Everything is drawn from
one seeded random generator: two runs on the same day build the same data.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from beneficiaries.enums import (
    OutcomeKind,
    Partner,
    QualificationLevel,
    ReferralStatus,
    Sex,
    TriState,
    VisitKind,
    WorkingTime,
)
from beneficiaries.models import Beneficiary, Outcome, Referral, Topic, Visit, next_refs
from beneficiaries.normalise import normalise
from core.accounts import requires_two_factor
from core.enums import Role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue, WeeklySlot
from permanences.services import permanences_plan
from reporting.services import bilan_publish

from . import names

User = get_user_model()

FIRST_YEAR = 2019
REFERENCE_YEAR = 2020
# The published figures of the reference year.
REFERENCE_WOMEN = 125
REFERENCE_MEN = 76
REFERENCE_APPOINTMENTS = 348
# 12 persons with two outcomes, then 22 with one: 8 CDI, 8 CDD,
# 7 contrats aidés + 5 alternances = 12, 18 formations.
REFERENCE_OUTCOME_PAIRS = (
    [(OutcomeKind.FORMATION, OutcomeKind.CDD)] * 4
    + [(OutcomeKind.FORMATION, OutcomeKind.CDI)] * 3
    + [(OutcomeKind.FORMATION, OutcomeKind.CONTRAT_AIDE)] * 3
    + [(OutcomeKind.FORMATION, OutcomeKind.ALTERNANCE)] * 2
)
REFERENCE_OUTCOME_SINGLES = (
    [OutcomeKind.FORMATION] * 6
    + [OutcomeKind.CDD] * 4
    + [OutcomeKind.CDI] * 5
    + [OutcomeKind.CONTRAT_AIDE] * 4
    + [OutcomeKind.ALTERNANCE] * 3
)
# First lockdown: the drop-ins were closed.
LOCKDOWN = (datetime.date(2020, 3, 17), datetime.date(2020, 5, 10))
LOCKDOWN_REASON = "Confinement (crise sanitaire)"
OTHER_CANCEL_REASONS = (
    "Lieu d'accueil fermé ce jour-là",
    "Conseillère absente (formation)",
    "Grève des transports",
)

DEMO_ACCOUNTS = (
    # username, first name, last name, role (None: the installation's admin)
    ("conseillere", "Camille", "Démo-Conseillère", Role.CONSEILLER),
    ("coordination", "Inès", "Démo-Coordination", Role.COORDINATION),
    ("ville", "Paul", "Démo-Ville", Role.VILLE),
    ("admin", "Alex", "Démo-Admin", None),
)


class DemoAlreadyLoaded(Exception):
    pass


@dataclass
class Person:
    """A person being generated, before the bulk insert."""

    row: Beneficiary
    home_venue: Venue
    year: int
    visit_dates: list[datetime.date] = field(default_factory=list)


@dataclass
class SecondFactor:
    """What the demo prints for an account that must use two-factor authentication."""

    username: str
    secret: str
    recovery_codes: list[str]


def ensure_second_factor(user) -> SecondFactor | None:
    """Coordination and admin log in with a TOTP code: give the demo accounts an
    authenticator (and recovery codes) whose secret is printed with the logins."""
    if not requires_two_factor(user):
        return None
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        totp = TOTP.activate(user, generate_totp_secret()).instance
    codes = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    recovery = RecoveryCodes(codes) if codes else RecoveryCodes.activate(user)
    return SecondFactor(user.username, decrypt(totp.data["secret"]), recovery.get_unused_codes())


def ensure_accounts(password: str) -> list[User]:
    """Create the four demo accounts, or set their password when it differs."""
    users = []
    for username, first_name, last_name, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
                "is_staff": role is None,
                "is_superuser": role is None,
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        users.append(user)
    return users


class DemoBuilder:
    def __init__(self, *, today: datetime.date, seed: int = 2020):
        self.today = today
        self.rng = random.Random(seed)
        self.quarters = list(Quarter.objects.all())
        self.venues = list(Venue.objects.active().select_related("quarter"))
        self.topics = list(Topic.objects.filter(is_active=True))
        self.counsellor = User.objects.get(username="conseillere")
        self.coordinator = User.objects.get(username="coordination")
        self.people: list[Person] = []
        self.first_visit: dict[int, datetime.date] = {}
        self.sequence = 0

    # --- sessions -----------------------------------------------------------

    def plan_sessions(self) -> None:
        for slot in WeeklySlot.objects.all():
            slot.counsellors.add(self.counsellor)
        first_two = WeeklySlot.objects.order_by("weekday", "start_time")[:2]
        for slot in first_two:
            slot.counsellors.add(self.coordinator)
        end = self.today + datetime.timedelta(weeks=8)
        permanences_plan(start=datetime.date(FIRST_YEAR, 1, 1), end=end)
        past = Permanence.objects.filter(date__lt=self.today)
        past.update(status=PermanenceStatus.HELD)
        past.filter(date__range=LOCKDOWN).update(
            status=PermanenceStatus.CANCELLED, cancel_reason=LOCKDOWN_REASON
        )
        held = list(past.filter(status=PermanenceStatus.HELD).values_list("pk", flat=True))
        cancelled = self.rng.sample(held, k=len(held) // 30)
        for pk in cancelled:
            Permanence.objects.filter(pk=pk).update(
                status=PermanenceStatus.CANCELLED,
                cancel_reason=self.rng.choice(OTHER_CANCEL_REASONS),
            )
        # One announced closure among the coming sessions (public schedule).
        upcoming = Permanence.objects.filter(date__gt=self.today + datetime.timedelta(days=7))
        closure = upcoming.order_by("date", "start_time").first()
        if closure is not None:
            closure.status = PermanenceStatus.CANCELLED
            closure.cancel_reason = "Lieu d'accueil fermé pour travaux"
            closure.save(update_fields=["status", "cancel_reason"])
        self.sessions: dict[int, list[Permanence]] = defaultdict(list)
        for permanence in Permanence.objects.held().select_related("venue"):
            self.sessions[permanence.date.year].append(permanence)

    # --- persons ------------------------------------------------------------

    def new_person(self, *, year: int, sex: str) -> Person:
        rng = self.rng
        first_names = names.FEMALE_FIRST_NAMES if sex == Sex.FEMALE else names.MALE_FIRST_NAMES
        if sex == Sex.NOT_STATED:
            first_names = names.FEMALE_FIRST_NAMES + names.MALE_FIRST_NAMES
        first_name = rng.choice(first_names)
        last_name = rng.choice(names.FAMILY_NAMES)
        home_venue = rng.choice(self.venues)
        roll = rng.random()
        if roll < 0.75:
            quarter = home_venue.quarter
        elif roll < 0.9:
            quarter = rng.choice(self.quarters)
        else:
            quarter = None
        birth_date = None
        if rng.random() > 0.04:
            age = rng.choices([rng.randint(18, 25), rng.randint(26, 49), rng.randint(50, 64)], [2, 6, 2])[0]
            birth_date = datetime.date(year - age, rng.randint(1, 12), rng.randint(1, 28))
        self.sequence += 1
        # An address Django's e-mail validator accepts: ASCII, no spaces.
        slug = ".".join(normalise(name).replace(" ", "") for name in (first_name, last_name))
        row = Beneficiary(
            last_name=last_name,
            first_name=first_name,
            sex=sex,
            birth_date=birth_date,
            phone=f"06 39 98 {self.sequence // 100 % 100:02d} {self.sequence % 100:02d}"
            if rng.random() < 0.85
            else "",
            email=f"{slug}@example.org" if rng.random() < 0.4 else "",
            quarter=quarter,
            france_travail=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [6, 2, 2])[0],
            rsa=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [3, 5, 2])[0],
            rqth=rng.choices([TriState.YES, TriState.NO, TriState.UNKNOWN], [1, 12, 7])[0],
            qualification_level=rng.choice(["", *QualificationLevel.values]),
            created_by=self.counsellor,
            updated_by=self.counsellor,
        )
        person = Person(row=row, home_venue=home_venue, year=year)
        self.people.append(person)
        return person

    def persons_for_year(
        self, year: int, *, women: int, men: int, unknown: int, returning: list[Person]
    ) -> list[Person]:
        """The persons seen in `year`: some seen before, the rest new."""
        wanted = {Sex.FEMALE: women, Sex.MALE: men, Sex.NOT_STATED: unknown}
        chosen = []
        for person in returning:
            if wanted[person.row.sex] > 0:
                wanted[person.row.sex] -= 1
                chosen.append(person)
        for sex, count in wanted.items():
            chosen.extend(self.new_person(year=year, sex=sex) for _ in range(count))
        return chosen

    # --- visits -------------------------------------------------------------

    def spread_visits(self, year: int, persons: list[Person], total: int) -> None:
        """Give every person one visit in `year`, then the rest at random, all
        at distinct held sessions, mostly at the person's home venue."""
        counts = {id(p): 1 for p in persons}
        for _ in range(total - len(persons)):
            person = self.rng.choice(persons[: max(1, len(persons) * 2 // 3)])
            counts[id(person)] += 1
        sessions = self.sessions[year]
        by_venue = defaultdict(list)
        for index, session in enumerate(sessions):
            by_venue[session.venue_id].append(index)
        for person in persons:
            home = by_venue.get(person.home_venue.pk) or range(len(sessions))
            picked: set[int] = set()
            while len(picked) < min(counts[id(person)], len(sessions)):
                if self.rng.random() < 0.8 and len(picked) < len(home):
                    picked.add(self.rng.choice(home))
                else:
                    picked.add(self.rng.randrange(len(sessions)))
            for index in sorted(picked, key=lambda i: sessions[i].date):
                person.visit_dates.append(sessions[index].date)
                self.pending_visits.append((person, sessions[index]))

    # --- the build ----------------------------------------------------------

    @transaction.atomic
    def build(self) -> None:
        if Beneficiary.objects.exists():
            raise DemoAlreadyLoaded
        self.plan_sessions()
        self.pending_visits: list[tuple[Person, Permanence]] = []
        self.year_persons: dict[int, list[Person]] = {}
        previous: list[Person] = []
        for year in range(FIRST_YEAR, self.today.year + 1):
            if not self.sessions[year]:
                continue
            self.rng.shuffle(previous)
            returning = previous[: len(previous) // 4]
            if year == REFERENCE_YEAR:
                persons = self.persons_for_year(
                    year, women=REFERENCE_WOMEN, men=REFERENCE_MEN, unknown=0, returning=returning
                )
                total = REFERENCE_APPOINTMENTS
            else:
                # A partial current year gets a share of a full year's activity.
                share = min(1.0, len(self.sessions[year]) / 300)
                size = max(10, int(self.rng.randint(170, 230) * share))
                women = int(size * 0.6)
                unknown = self.rng.randint(0, 3)
                persons = self.persons_for_year(
                    year, women=women, men=size - women - unknown, unknown=unknown, returning=returning
                )
                total = int(size * self.rng.uniform(1.6, 1.9))
            self.spread_visits(year, persons, total)
            self.year_persons[year] = persons
            previous = persons
        self.add_near_duplicates()
        self.save_people()
        self.save_visits()
        self.save_outcomes()
        bilan_publish(
            year=REFERENCE_YEAR,
            user=self.coordinator,
            note="Bilan présenté au conseil municipal (démonstration).",
        )

    def add_near_duplicates(self) -> None:
        """Two files that are likely one person, in the current year only, so
        that a merge never touches the reference year."""
        year = self.today.year
        if not self.sessions[year]:
            return
        original = self.new_person(year=year, sex=Sex.FEMALE)
        twin = self.new_person(year=year, sex=Sex.FEMALE)
        twin.row.last_name = original.row.last_name
        twin.row.first_name = original.row.first_name.replace("é", "e").replace("ï", "i")
        twin.row.birth_date = original.row.birth_date or datetime.date(1988, 6, 14)
        original.row.birth_date = twin.row.birth_date
        twin.home_venue = original.home_venue
        self.spread_visits(year, [original, twin], 3)

    def save_people(self) -> None:
        by_year = defaultdict(list)
        for person in self.people:
            by_year[person.year].append(person)
        for year, people in by_year.items():
            for person, ref in zip(people, next_refs(year, len(people)), strict=True):
                person.row.ref = ref
        rows = [p.row for p in self.people]
        Beneficiary.objects.bulk_create(rows)
        for person in self.people:
            first = min(person.visit_dates) if person.visit_dates else self.today
            if self.rng.random() < 0.9:
                person.row.notice_given_on = first
            person.row.created_at = timezone.make_aware(
                datetime.datetime.combine(first, datetime.time(10, 0))
            )
        Beneficiary.objects.bulk_update(rows, ["notice_given_on", "created_at"])

    def save_visits(self) -> None:
        rng = self.rng
        seen: set[int] = set()
        visits = []
        referrals = []
        self.pending_visits.sort(key=lambda pair: pair[1].date)
        for person, session in self.pending_visits:
            pk = person.row.pk
            kind = VisitKind.FOLLOW_UP if pk in seen else VisitKind.FIRST
            seen.add(pk)
            next_step, due, done = "", None, None
            if rng.random() < 0.3:
                next_step = rng.choice(names.NEXT_STEPS)
                due = session.date + datetime.timedelta(days=rng.randint(7, 30))
                if due < self.today - datetime.timedelta(days=20) or rng.random() < 0.3:
                    done = min(due, self.today)
            visits.append(
                Visit(
                    beneficiary=person.row,
                    permanence=session,
                    counsellor=self.coordinator if rng.random() < 0.2 else self.counsellor,
                    kind=kind,
                    duration_minutes=rng.choice([None, 20, 30, 30, 45, 45, 60]),
                    notes=rng.choice(names.VISIT_NOTES),
                    next_step=next_step,
                    next_step_due=due,
                    next_step_done_on=done,
                    created_by=self.counsellor,
                    updated_by=self.counsellor,
                )
            )
        Visit.objects.bulk_create(visits)
        links = []
        for visit in visits:
            for topic in rng.sample(self.topics, k=rng.choice([0, 1, 1, 2, 2, 3])):
                links.append(Visit.topics.through(visit_id=visit.pk, topic_id=topic.pk))
            if rng.random() < 0.35:
                referrals.append(self.referral_for(visit))
        Visit.topics.through.objects.bulk_create(links)
        Referral.objects.bulk_create(referrals)

    def referral_for(self, visit: Visit) -> Referral:
        rng = self.rng
        partner = rng.choices(Partner.values, [30, 12, 10, 4, 6, 10, 20, 8])[0]
        status, checked = ReferralStatus.PROPOSED, None
        age = (self.today - visit.date).days
        # Recent referrals often await their result; old ones rarely do.
        awaiting = 0.15 if age < 120 else 0.02
        if age > 15:
            roll = rng.random()
            if roll < (1 - awaiting) * 0.75:
                status = ReferralStatus.DONE
            elif roll < 1 - awaiting:
                status = ReferralStatus.NOT_TAKEN_UP
            if status != ReferralStatus.PROPOSED:
                checked = min(self.today, visit.date + datetime.timedelta(days=rng.randint(10, 40)))
        return Referral(
            beneficiary=visit.beneficiary,
            visit=visit,
            partner=partner,
            detail=rng.choice(names.REFERRAL_DETAILS[partner]),
            proposed_on=visit.date,
            status=status,
            checked_on=checked,
            created_by=visit.counsellor,
            updated_by=visit.counsellor,
        )

    # --- outcomes -----------------------------------------------------------

    def outcome(self, person: Person, kind: str, start: datetime.date) -> Outcome:
        rng = self.rng
        months = {
            OutcomeKind.CDD: (3, 12),
            OutcomeKind.INTERIM: (1, 6),
            OutcomeKind.CONTRAT_AIDE: (6, 12),
            OutcomeKind.ALTERNANCE: (12, 24),
            OutcomeKind.FORMATION: (1, 9),
        }.get(kind)
        end = None
        # A few CDD without a known end: the data-quality panel lists them.
        if months and not (kind == OutcomeKind.CDD and rng.random() < 0.15):
            end = start + datetime.timedelta(days=30 * rng.randint(*months))
        employer = rng.choice(names.EMPLOYERS)
        if kind == OutcomeKind.FORMATION:
            employer = "Organisme de formation (exemple)"
        return Outcome(
            beneficiary=person.row,
            kind=kind,
            start_date=start,
            end_date=end,
            working_time=(
                ""
                if kind == OutcomeKind.FORMATION
                else rng.choice([WorkingTime.FULL_TIME, WorkingTime.PART_TIME, WorkingTime.UNKNOWN])
            ),
            employer=employer,
            created_by=self.counsellor,
            updated_by=self.counsellor,
        )

    def start_after(self, person: Person, year: int, *, after: datetime.date | None = None) -> datetime.date:
        """An outcome start in `year`, after the person's first visit of the year."""
        first = min(d for d in person.visit_dates if d.year == year)
        earliest = max(first, after or first) + datetime.timedelta(days=7)
        latest = min(datetime.date(year, 12, 31), self.today + datetime.timedelta(days=30))
        if earliest > latest:
            earliest = latest
        return earliest + datetime.timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def save_outcomes(self) -> None:
        outcomes = []
        for year, persons in self.year_persons.items():
            # Early enough in the year for an outcome to follow within it.
            eligible = [
                p
                for p in persons
                if min(d for d in p.visit_dates if d.year == year) <= datetime.date(year, 10, 31)
            ]
            self.rng.shuffle(eligible)
            if year == REFERENCE_YEAR:
                needed = len(REFERENCE_OUTCOME_PAIRS) + len(REFERENCE_OUTCOME_SINGLES)
                if len(eligible) < needed:
                    raise RuntimeError("Too few persons seen early enough in the reference year.")
                for person, (first_kind, second_kind) in zip(eligible, REFERENCE_OUTCOME_PAIRS, strict=False):
                    first = self.outcome(person, first_kind, self.start_after(person, year))
                    second_start = self.start_after(person, year, after=first.end_date or first.start_date)
                    outcomes += [first, self.outcome(person, second_kind, second_start)]
                rest = eligible[len(REFERENCE_OUTCOME_PAIRS) :]
                for person, kind in zip(rest, REFERENCE_OUTCOME_SINGLES, strict=False):
                    outcomes.append(self.outcome(person, kind, self.start_after(person, year)))
                continue
            for person in eligible[: len(eligible) * 15 // 100]:
                kind = self.rng.choices(OutcomeKind.values, [8, 10, 6, 5, 4, 12, 2])[0]
                outcomes.append(self.outcome(person, kind, self.start_after(person, year)))
        # Not counted in 2020: a person last seen in 2019 who found a job in 2020.
        only_before = [
            p
            for p in self.year_persons.get(FIRST_YEAR, [])
            if all(d.year == FIRST_YEAR for d in p.visit_dates)
        ]
        if only_before:
            outcomes.append(
                self.outcome(only_before[0], OutcomeKind.CDI, datetime.date(REFERENCE_YEAR, 2, 3))
            )
        Outcome.objects.bulk_create(outcomes)

"""Build the demonstration database: a fictitious year 2020 whose bilan is
exactly Montreuil's published one (demo/reference.py), and other years up to
today. The other years are random but plausible. Everything is drawn from one
seeded random generator: two runs on the same day build the same data.
"""

import datetime
import random
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from beneficiaries.enums import Partner, ReferralStatus, Sex, VisitKind
from beneficiaries.models import (
    Beneficiary,
    Outcome,
    Referral,
    Topic,
    Visit,
    Workshop,
    WorkshopRegistration,
    next_refs,
)
from core.db import analyze
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Quarter, Venue, WeeklySlot
from permanences.services import permanence_cancel, permanences_plan, planning_horizon
from reporting.models import Attendance
from reporting.services import bilan_publish

from . import names
from .caseloads import assign_caseloads
from .follow_ups import book_past_follow_ups
from .outcomes import OutcomeDrafter
from .people import Person, draft_person
from .reference import (
    FIRST_YEAR,
    REFERENCE_APPOINTMENTS,
    REFERENCE_MEN,
    REFERENCE_WOMEN,
    REFERENCE_YEAR,
)
from .workshops import WorkshopDrafter

User = get_user_model()

# First lockdown: the drop-ins were closed.
LOCKDOWN = (datetime.date(2020, 3, 17), datetime.date(2020, 5, 10))
LOCKDOWN_REASON = "Confinement (crise sanitaire)"
OTHER_CANCEL_REASONS = (
    "Lieu d'accueil fermé ce jour-là",
    "Conseillère absente (formation)",
    "Grève des transports",
)


class DemoAlreadyLoaded(Exception):
    pass


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
        self.twins: list[Person] = []

    # --- sessions -----------------------------------------------------------

    def plan_sessions(self) -> None:
        for slot in WeeklySlot.objects.all():
            slot.counsellors.add(self.counsellor)
        first_two = WeeklySlot.objects.order_by("weekday", "start_time")[:2]
        for slot in first_two:
            slot.counsellors.add(self.coordinator)
        # The years of activity and the coming weeks of the daily planning.
        _, end = planning_horizon(self.today, settings.PLANNING_WEEKS)
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
            permanence_cancel(permanence=closure, reason="Lieu d'accueil fermé pour travaux")
        self.sessions: dict[int, list[Permanence]] = defaultdict(list)
        for permanence in Permanence.objects.held().select_related("venue"):
            self.sessions[permanence.date.year].append(permanence)

    # --- persons ------------------------------------------------------------

    def new_person(self, *, year: int, sex: str) -> Person:
        self.sequence += 1
        person = draft_person(
            self.rng,
            year=year,
            sex=sex,
            number=self.sequence,
            venues=self.venues,
            quarters=self.quarters,
            author=self.counsellor,
        )
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
        self.leave_one_session_unsaid()
        book_past_follow_ups(today=self.today, author=self.counsellor)
        assign_caseloads(self.people, counsellor=self.counsellor, rng=self.rng, today=self.today)
        self.save_workshops()
        # The tables were empty: give the planner their new sizes before the bilan.
        analyze(Permanence, Beneficiary, Visit, Referral, Outcome, Attendance, Workshop, WorkshopRegistration)
        bilan_publish(
            year=REFERENCE_YEAR,
            user=self.coordinator,
            note="Bilan présenté au conseil municipal (démonstration).",
        )

    def leave_one_session_unsaid(self) -> None:
        """Last week's most recent session where nobody came, left "planned": nobody said
        whether it took place (the data-quality panel asks). After the visits are drawn,
        so that the random draws, and every figure of 2020, stay the same."""
        week_ago = self.today - datetime.timedelta(weeks=1)
        session = (
            Permanence.objects.held()
            .filter(date__gte=week_ago, date__lt=self.today, visits__isnull=True)
            .order_by("-date", "-start_time")
            .first()
        )
        if session is not None:
            Permanence.objects.filter(pk=session.pk).update(status=PermanenceStatus.PLANNED)

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
        self.twins = [original, twin]

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

    def save_workshops(self) -> None:
        """Workshops of the recent years and the coming weeks; never the duplicate's two
        files, so that merging them changes no workshop figure."""
        drafter = WorkshopDrafter(
            today=self.today,
            venues=self.venues,
            facilitators=[self.counsellor, self.coordinator],
            author=self.counsellor,
        )
        drafter.save(self.year_persons, excluded={person.row.pk for person in self.twins})

    def save_outcomes(self) -> None:
        drafter = OutcomeDrafter(rng=self.rng, today=self.today, author=self.counsellor)
        Outcome.objects.bulk_create(drafter.for_years(self.year_persons))

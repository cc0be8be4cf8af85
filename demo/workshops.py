"""The demo's collective workshops: two a month in the recent years and the coming
weeks, at the active venues, run by a counsellor or a partner's facilitator;
persons of the year (and some seen only the year before) registered, a waiting
list when a workshop is full (always for the coming ones), attendance marked on
the past ones, one past workshop in fifteen cancelled. From a generator of their
own: the rest of the demo, and its 2020 figures, are those it always built.
"""

import datetime
import random

from beneficiaries.enums import AttendanceMark, RegistrationStatus, WorkshopStatus
from beneficiaries.models import Workshop, WorkshopRegistration, WorkshopTheme

from .people import Person

# The years before this one that have workshops; and how far ahead they are planned.
YEARS_BACK = 2
WEEKS_AHEAD = 6
PARTNER_FACILITATORS = (
    "Intervenante du PLIE",
    "Conseiller France Travail (atelier numérique)",
    "Association Emmaüs Connect",
)
MARKS = [AttendanceMark.PRESENT] * 7 + [AttendanceMark.ABSENT] * 2 + [AttendanceMark.EXCUSED]


class WorkshopDrafter:
    def __init__(self, *, today: datetime.date, venues: list, facilitators: list, author, seed: int = 14):
        self.rng = random.Random(seed)
        self.today = today
        self.venues = venues
        self.facilitators = facilitators
        self.author = author
        self.themes = list(WorkshopTheme.objects.filter(is_active=True))

    def days(self) -> list[datetime.date]:
        """Two weekdays a month (the 2nd and 4th weeks), August aside, up to a few weeks ahead."""
        last = self.today + datetime.timedelta(weeks=WEEKS_AHEAD)
        days = []
        for year in range(self.today.year - YEARS_BACK, last.year + 1):
            for month in range(1, 13):
                if month == 8:
                    continue
                for week in (1, 3):
                    day = datetime.date(year, month, 1) + datetime.timedelta(weeks=week)
                    day += datetime.timedelta(days=(1 + self.rng.randrange(3) - day.weekday()) % 7)
                    if day <= last:
                        days.append(day)
        return days

    def save(self, year_persons: dict[int, list[Person]], *, excluded: set[int]) -> None:
        """The workshops, then their registrations, in two bulk inserts."""
        workshops, registrations = [], []
        for number, day in enumerate(self.days()):
            # One past workshop in fifteen was cancelled; the coming ones all take place.
            workshop = self.workshop(day, cancelled=number % 15 == 7 and day < self.today)
            workshops.append(workshop)
            # The coming weeks of next year: this year's persons.
            year = min(day.year, self.today.year)
            seen = [p.row for p in year_persons.get(year, []) if p.row.pk not in excluded]
            before = [p.row for p in year_persons.get(year - 1, []) if p.row.pk not in excluded]
            registrations.append((workshop, self.candidates(workshop, seen, before)))
        Workshop.objects.bulk_create(workshops)
        WorkshopRegistration.objects.bulk_create(
            self.registration(workshop, person, rank)
            for workshop, persons in registrations
            for rank, person in enumerate(persons)
        )

    def workshop(self, day: datetime.date, *, cancelled: bool) -> Workshop:
        rng = self.rng
        counsellor = rng.random() < 0.6
        start = rng.choice([datetime.time(10), datetime.time(14), datetime.time(14, 30)])
        return Workshop(
            theme=rng.choice(self.themes),
            venue=rng.choice(self.venues),
            date=day,
            start_time=start,
            end_time=datetime.time(start.hour + 2, start.minute),
            capacity=rng.choice([8, 10, 10, 12]),
            facilitator=rng.choice(self.facilitators) if counsellor else None,
            facilitator_name="" if counsellor else rng.choice(PARTNER_FACILITATORS),
            status=WorkshopStatus.CANCELLED if cancelled else WorkshopStatus.PLANNED,
            cancel_reason="Intervenant indisponible" if cancelled else "",
            created_by=self.author,
            updated_by=self.author,
        )

    def candidates(self, workshop: Workshop, seen: list, before: list) -> list:
        """Who registered, in order: mostly persons seen that year, some seen only the year
        before; a few more than the places at times, and always for a coming workshop
        (the last ones then wait)."""
        rng = self.rng
        count = rng.randint(max(2, workshop.capacity - 5), workshop.capacity + 3)
        if workshop.date > self.today:
            count = workshop.capacity + rng.randint(1, 3)
        seen_pks = {person.pk for person in seen}
        returning = [person for person in before if person.pk not in seen_pks]
        pool = rng.sample(seen, k=min(len(seen), count))
        extra = rng.sample(returning, k=min(len(returning), max(1, count // 4)))
        chosen = pool[: count - len(extra)] + extra
        rng.shuffle(chosen)
        return chosen

    def registration(self, workshop: Workshop, person, rank: int) -> WorkshopRegistration:
        has_place = rank < workshop.capacity
        marked = has_place and workshop.date <= self.today and not workshop.is_cancelled
        return WorkshopRegistration(
            workshop=workshop,
            beneficiary=person,
            status=RegistrationStatus.REGISTERED if has_place else RegistrationStatus.WAITING,
            attendance=self.rng.choice(MARKS) if marked else AttendanceMark.NOT_MARKED,
            created_by=self.author,
            updated_by=self.author,
        )

"""Follow-up appointments of the demo: booked at the end of recent visits, some
honoured (the person came to that session), some missed; and some expected at the
coming sessions. Fictitious, drawn by their own seeded generator: the figures of
every other part of the demo stay the same."""

import datetime
import random
from collections import defaultdict

from beneficiaries.models import Appointment, Visit
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

PURPOSES = (
    "Point sur la candidature",
    "Relire la lettre de motivation",
    "Suite de l'inscription à France Travail",
    "Préparer l'entretien d'embauche",
    "Apporter l'attestation de formation",
    "Point sur la recherche de stage",
)


def _time_in(session: Permanence, rng: random.Random) -> datetime.time:
    """A time on the half hour inside the session."""
    start = session.start_time.hour * 60 + session.start_time.minute
    end = session.end_time.hour * 60 + session.end_time.minute
    minutes = start + 30 * rng.randrange(max(1, (end - start) // 30))
    return datetime.time(minutes // 60, minutes % 60)


def book_past_follow_ups(*, today: datetime.date, author, seed: int = 2026, years: int = 2) -> int:
    """After some of the visits of the last `years` years, a follow-up at a later
    session of the same venue (7 to 60 days on): the person's next visit there when
    there is one (honoured), else a session they did not come to (missed)."""
    rng = random.Random(seed)
    since = today.replace(year=today.year - years)
    sessions = defaultdict(list)
    for session in Permanence.objects.held().filter(date__gte=since, date__lt=today).order_by("date"):
        sessions[session.venue_id].append(session)
    visits = list(
        Visit.objects.filter(date__gte=since, date__lt=today)
        .select_related("permanence")
        .order_by("date", "pk")
    )
    seen = {(visit.beneficiary_id, visit.permanence_id) for visit in visits}
    booked, rows = set(), []
    for visit in visits:
        if rng.random() >= 0.6:
            continue
        later = [
            s
            for s in sessions[visit.permanence.venue_id]
            if 7 <= (s.date - visit.date).days <= 60 and (visit.beneficiary_id, s.pk) not in booked
        ]
        if not later:
            continue
        came = [s for s in later if (visit.beneficiary_id, s.pk) in seen]
        if not came and rng.random() >= 0.1:  # most of those booked came
            continue
        session = came[0] if came else rng.choice(later)
        booked.add((visit.beneficiary_id, session.pk))
        rows.append(_appointment(visit.beneficiary_id, session, rng, author))
    Appointment.objects.bulk_create(rows)
    return len(rows)


def book_coming_follow_ups(*, today: datetime.date, author, seed: int = 2027, count: int = 12) -> int:
    """Persons seen in the last month expected at the coming sessions of their venue."""
    rng = random.Random(seed)
    coming = defaultdict(list)
    for session in Permanence.objects.filter(
        status=PermanenceStatus.PLANNED, date__gt=today, date__lte=today + datetime.timedelta(weeks=3)
    ).order_by("date", "start_time"):
        coming[session.venue_id].append(session)
    recent = (
        Visit.objects.filter(date__gte=today - datetime.timedelta(days=30), date__lte=today)
        .select_related("permanence")
        .order_by("-date", "pk")
    )
    rows, persons = [], set()
    for visit in recent:
        if len(rows) == count:
            break
        if visit.beneficiary_id in persons or not coming[visit.permanence.venue_id]:
            continue
        persons.add(visit.beneficiary_id)
        rows.append(
            _appointment(visit.beneficiary_id, rng.choice(coming[visit.permanence.venue_id]), rng, author)
        )
    Appointment.objects.bulk_create(rows)
    return len(rows)


def _appointment(person_id: int, session: Permanence, rng: random.Random, author) -> Appointment:
    return Appointment(
        beneficiary_id=person_id,
        permanence=session,
        time=_time_in(session, rng),
        purpose=rng.choice(PURPOSES),
        created_by=author,
        updated_by=author,
    )

"""Consent to messages in the demo: the persons expected at the coming sessions, and
some of those registered to the coming workshops, accept SMS (their fictitious
numbers, 06 39 98 xx xx) and, when they have one, e-mails (example.org). Then the
queuing command (`make run` runs it every 15 minutes) sends their reminders to the
console. Drawn by its own seeded generator: no figure of the bilan changes."""

import datetime
import random

from beneficiaries.consent import consent_record
from beneficiaries.enums import Channel
from beneficiaries.models import Appointment, Beneficiary, WorkshopRegistration


def give_consents(*, today: datetime.date, author, seed: int = 2028) -> int:
    """Record the consents; how many persons accept at least one channel."""
    rng = random.Random(seed)
    expected = Appointment.objects.active().filter(permanence__date__gte=today).values("beneficiary")
    registered = (
        WorkshopRegistration.objects.with_place().filter(workshop__date__gte=today).values("beneficiary")
    )
    persons = Beneficiary.objects.filter(anonymised_at__isnull=True, pk__in=expected.union(registered))
    count = 0
    for person in persons.order_by("pk"):
        if rng.random() >= 0.8:
            continue
        channels = [Channel.SMS] if person.phone else []
        if person.email and rng.random() < 0.7:
            channels.append(Channel.EMAIL)
        for channel in channels:
            consent_record(beneficiary_id=person.pk, channel=channel, given=True, user=author)
        count += bool(channels)
    return count

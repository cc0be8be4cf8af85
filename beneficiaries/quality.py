"""Data-quality conditions on case files, defined once.

The persons list filters on them (`qualite`), the coordination's panel counts
them; both read these definitions, so that a count and its list agree.

A period (the list's "reçue du … au …") applies to the dated thing itself:
visits without topic dated in it, CDD starting in it, referrals proposed in
it. Idle files are about today, whatever the period.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from .enums import OutcomeKind, QualityCheck, ReferralStatus, Sex
from .models import Outcome, Referral, Visit, no_contact_since

REFERRAL_RESULT_DAYS = 30
IDLE_NOTICE_DAYS = 30


@dataclass(frozen=True)
class Period:
    """Inclusive bounds; either may be open."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def on(self, field: str) -> Q:
        condition = Q()
        if self.start:
            condition &= Q(**{f"{field}__gte": self.start})
        if self.end:
            condition &= Q(**{f"{field}__lte": self.end})
        return condition


def visit_without_topic() -> Q:
    """On visits (no join: usable in a count of visits)."""
    return Q(~Exists(Visit.topics.through.objects.filter(visit=OuterRef("pk"))))


def cdd_without_end() -> Q:
    return Q(kind=OutcomeKind.CDD, end_date__isnull=True)


def referral_without_result(today: datetime.date) -> Q:
    """Still "proposed" more than 30 days after it was proposed."""
    return Q(
        status=ReferralStatus.PROPOSED,
        proposed_on__lt=today - datetime.timedelta(days=REFERRAL_RESULT_DAYS),
    )


def idle_cutoff(today: datetime.date) -> datetime.date:
    """Files with no contact since before this date are due for anonymisation."""
    return today - datetime.timedelta(days=settings.RETENTION_DAYS)


def idle_counts(persons, *, today: datetime.date) -> dict[str, int]:
    """How many of `persons` each idle check concerns, in two counts.

    A file with no contact since a date has none since any later date either:
    the files due soon are those idle by the notice's end less those idle
    today. Each count keeps "no contact since" in its WHERE clause, where
    PostgreSQL turns it into anti-joins over the visits' date index; inside a
    COUNT(…) FILTER it would evaluate it file by file (docs/BENCHMARKS.md).
    """
    cutoff = idle_cutoff(today)
    alive = persons.filter(anonymised_at__isnull=True)
    idle = alive.filter(no_contact_since(cutoff)).count()
    by_notice_end = alive.filter(no_contact_since(cutoff + datetime.timedelta(days=IDLE_NOTICE_DAYS))).count()
    return {
        QualityCheck.IDLE.value: idle,
        QualityCheck.IDLE_SOON.value: by_notice_end - idle,
    }


def person_condition(check: QualityCheck, *, today: datetime.date, period: Period = Period()) -> Q:
    """The persons concerned by `check`, as a condition on Beneficiary."""
    mine = {"beneficiary": OuterRef("pk")}
    match check:
        case QualityCheck.SEX_NOT_STATED:
            return Q(sex=Sex.NOT_STATED)
        case QualityCheck.BIRTH_DATE_UNKNOWN:
            return Q(birth_date__isnull=True)
        case QualityCheck.QUARTER_NOT_STATED:
            return Q(quarter__isnull=True)
        case QualityCheck.VISIT_WITHOUT_TOPIC:
            return Q(Exists(Visit.objects.filter(visit_without_topic(), period.on("date"), **mine)))
        case QualityCheck.CDD_WITHOUT_END:
            return Q(Exists(Outcome.objects.filter(cdd_without_end(), period.on("start_date"), **mine)))
        case QualityCheck.REFERRAL_WITHOUT_RESULT:
            return Q(
                Exists(
                    Referral.objects.filter(referral_without_result(today), period.on("proposed_on"), **mine)
                )
            )
        case QualityCheck.IDLE:
            return Q(anonymised_at__isnull=True) & no_contact_since(idle_cutoff(today))
        case QualityCheck.IDLE_SOON:
            cutoff = idle_cutoff(today)
            soon = no_contact_since(cutoff + datetime.timedelta(days=IDLE_NOTICE_DAYS))
            return Q(anonymised_at__isnull=True) & soon & ~no_contact_since(cutoff)
    raise ValueError(check)

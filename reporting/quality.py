"""The data-quality panel of coordination: what makes a bilan less exact.

Counts among the persons seen in a year (and their visits, CDD and referrals
of that year), plus the files due for anonymisation today. Each line links to
the persons list filtered on the same condition (beneficiaries/quality.py),
so that the count and the list agree. Then the past sessions still "planned",
whatever the year, listed with one click each to say what became of them.
A constant number of queries: the data version, the shared cache, and the
counts when it does not hold them (reporting/cached.py), then the sessions.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.http import urlencode

from beneficiaries.enums import OutcomeKind, QualityCheck
from beneficiaries.models import Beneficiary, Outcome, Referral, Visit
from beneficiaries.quality import (
    Period,
    cdd_without_end,
    idle_counts,
    person_condition,
    referral_without_result,
    visit_without_topic,
)
from permanences.models import Permanence

from .cached import EVERY_YEAR, cached_values, data_version
from .figures import percent
from .scope import year_bounds


@dataclass(frozen=True)
class QualityLine:
    check: QualityCheck
    count: int  # things concerned (persons, visits, CDD or referrals)
    out_of: int | None  # the population the share is of, if any
    unit: tuple[str, str]  # singular, plural
    persons: int  # files concerned: the length of the linked list
    url: str

    @property
    def label(self) -> str:
        return self.check.label

    @property
    def counted(self) -> str:
        """ "1 personne", "6 personnes", "51 rendez-vous"."""
        return f"{self.count} {self.unit[0] if self.count <= 1 else self.unit[1]}"

    @property
    def share(self) -> int | None:
        return None if self.out_of is None else percent(self.count, self.out_of)


@dataclass(frozen=True)
class PastPlanned:
    """Past sessions still "planned": held or not, nobody said (the bilan counts held ones)."""

    count: int
    sessions: list[Permanence]  # the most recent first, at most PAST_PLANNED_SHOWN


PAST_PLANNED_SHOWN = 20


@dataclass(frozen=True)
class QualityPanel:
    year: int
    persons: int
    lines: list[QualityLine]
    past_planned: PastPlanned


def past_planned(today: datetime.date) -> PastPlanned:
    """Two queries: how many, and the most recent with their venue and quarter."""
    sessions = Permanence.objects.past_planned(today)
    shown = sessions.select_related("venue__quarter").order_by("-date", "start_time")[:PAST_PLANNED_SHOWN]
    return PastPlanned(count=sessions.count(), sessions=list(shown))


def _list_url(check: QualityCheck, period: Period | None) -> str:
    query = {"qualite": check.value}
    if period is not None:
        query |= {"seen_from": f"{period.start:%d/%m/%Y}", "seen_until": f"{period.end:%d/%m/%Y}"}
    return reverse("beneficiaries:list") + "?" + urlencode(query)


# The checks on the file of each person seen in the year: shares of them. The
# other checks of the year count things (visits, CDD, referrals), with the
# persons they concern.
FILE_CHECKS = (QualityCheck.SEX_NOT_STATED, QualityCheck.BIRTH_DATE_UNKNOWN, QualityCheck.QUARTER_NOT_STATED)
IDLE_CHECKS = (QualityCheck.IDLE, QualityCheck.IDLE_SOON)


def _year_counts(year: int, *, period: Period, today: datetime.date) -> tuple[dict[str, int], ...]:
    """Five queries: the persons seen in the year, and those the checks on their
    file concern; the year's visits; those lacking a topic, the CDD starting in
    the year and the referrals proposed in it of those persons, each with the
    ones lacking an end or a result and the persons these concern.

    The persons of a dated check are counted among its things (the persons the
    list's condition finds among those seen: a visit of the year is theirs), in
    the same pass; a condition on each person instead was a correlated subquery
    per person seen, 0.5 s with a million visits (docs/BENCHMARKS.md)."""
    start, end = year_bounds(year)
    seen = Beneficiary.objects.filter(
        Exists(Visit.objects.filter(beneficiary=OuterRef("pk"), date__gte=start, date__lt=end))
    )
    seen_ids = seen.values("pk")
    visits = Visit.objects.filter(date__gte=start, date__lt=end)
    persons = Count("beneficiary", distinct=True)
    return (
        seen.aggregate(
            total=Count("pk"),
            **{
                check.value: Count("pk", filter=person_condition(check, today=today, period=period))
                for check in FILE_CHECKS
            },
        ),
        # In the WHERE clause, PostgreSQL makes "no topic" an anti-join; in a
        # FILTER, it was a subquery per visit of the year.
        {
            "total": visits.count(),
            **visits.filter(visit_without_topic()).aggregate(count=Count("pk"), persons=persons),
        },
        Outcome.objects.filter(
            kind=OutcomeKind.CDD, start_date__gte=start, start_date__lt=end, beneficiary__in=seen_ids
        ).aggregate(
            total=Count("pk"),
            count=Count("pk", filter=cdd_without_end()),
            persons=Count("beneficiary", distinct=True, filter=cdd_without_end()),
        ),
        Referral.objects.filter(
            proposed_on__gte=start, proposed_on__lt=end, beneficiary__in=seen_ids
        ).aggregate(
            total=Count("pk"),
            count=Count("pk", filter=referral_without_result(today)),
            persons=Count("beneficiary", distinct=True, filter=referral_without_result(today)),
        ),
    )


def _cached(version, name: str, count):
    return cached_values(version, {name: count})[name]


def data_quality(year: int, *, today: datetime.date) -> QualityPanel:
    """The panel of `year`: a line per check of its activity, then the files due for anonymisation."""
    start, end = year_bounds(year)
    period = Period(start=start, end=end - datetime.timedelta(days=1))
    # The counts, from the shared cache when the data they read has not changed
    # (reporting/cached.py): that of the year and the years before for the
    # year's, every year's for the idle files.
    persons, visits, cdd, referrals = _cached(
        data_version(year), f"quality:{year}:{today}", lambda: _year_counts(year, period=period, today=today)
    )
    idle = _cached(
        data_version(EVERY_YEAR),
        f"idle:{settings.RETENTION_DAYS}:{today}",
        lambda: idle_counts(Beneficiary.objects.all(), today=today),
    )
    # (check, things concerned, out of, unit, persons concerned).
    of_the_year = [
        *(
            (check, persons[check.value], persons["total"], ("personne", "personnes"), persons[check.value])
            for check in FILE_CHECKS
        ),
        *(
            (check, things["count"], things["total"], unit, things["persons"])
            for check, things, unit in (
                (QualityCheck.VISIT_WITHOUT_TOPIC, visits, ("rendez-vous", "rendez-vous")),
                (QualityCheck.CDD_WITHOUT_END, cdd, ("CDD", "CDD")),
                (QualityCheck.REFERRAL_WITHOUT_RESULT, referrals, ("orientation", "orientations")),
            )
        ),
    ]
    return QualityPanel(
        year=year,
        persons=persons["total"],
        past_planned=past_planned(today),
        lines=[
            QualityLine(check, count, out_of, unit, concerned, _list_url(check, period))
            for check, count, out_of, unit, concerned in of_the_year
        ]
        + [
            QualityLine(
                check,
                idle[check.value],
                None,
                ("dossier", "dossiers"),
                idle[check.value],
                _list_url(check, None),
            )
            for check in IDLE_CHECKS
        ],
    )

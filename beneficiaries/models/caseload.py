"""Reads of caseloads (portefeuilles): the files a counsellor is the referent of,
with what "Mes personnes" shows, and the counts per counsellor of coordination's
page.

Every figure of a file is a subquery of the files' own query: a page of a
caseload, or the table of every counsellor, is one query whatever their size.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.enums import Role

from .activity import Referral, Visit
from .appointments import Appointment, session_ended

# À relancer: a person with a referral in progress not seen for this long.
UNSEEN_FOR = datetime.timedelta(days=90)


def _latest_visit() -> dict:
    latest = Visit.objects.filter(beneficiary=OuterRef("pk")).order_by("-date", "-created_at", "-pk")
    return {
        "last_visit": Subquery(latest.values("date")[:1]),
        "latest_visit_id": Subquery(latest.values("pk")[:1]),
    }


def _figures() -> dict:
    """Read after `_latest_visit()`, whose `latest_visit_id` they use."""
    pending = Visit.objects.filter(pk=OuterRef("latest_visit_id"), next_step_done_on__isnull=True).exclude(
        next_step=""
    )
    open_referrals = (
        Referral.objects.open()
        .filter(beneficiary=OuterRef("pk"))
        .order_by()
        .values("beneficiary")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {
        "open_referrals": Coalesce(Subquery(open_referrals, output_field=IntegerField()), Value(0)),
        "next_step_text": Subquery(pending.values("next_step")[:1]),
        "next_step_due": Subquery(pending.values("next_step_due")[:1]),
    }


def _coming_appointment() -> dict:
    """The person's next follow-up appointment whose session has not ended (not cancelled)."""
    coming = (
        Appointment.objects.active()
        .filter(beneficiary=OuterRef("pk"))
        .exclude(session_ended())
        .order_by("permanence__date", "time", "pk")
    )
    return {
        "coming_appointment_date": Subquery(coming.values("permanence__date")[:1]),
        "coming_appointment_time": Subquery(coming.values("time")[:1]),
    }


class CaseloadQuerySetMixin:
    """The caseload reads of `BeneficiaryQuerySet`."""

    def with_caseload_data(self):
        """Each file with `last_visit` (its date), `open_referrals` (how many are
        still "proposed"), and the next step of its latest visit while it is not
        done: `next_step_text`, `next_step_due` (None when there is none); and the
        coming follow-up appointment: `coming_appointment_date`, `_time`."""
        return self.annotate(**_latest_visit()).annotate(**_figures(), **_coming_appointment())

    def caseload_of(self, user):
        """The identified files `user` is the referent of, the most urgent first: the
        next step due soonest (overdue first), then the files without a dated step,
        the longest unseen first (never seen first of all)."""
        return (
            self.identified()
            .filter(referent=user)
            .with_caseload_data()
            .order_by(
                F("next_step_due").asc(nulls_last=True),
                F("last_visit").asc(nulls_first=True),
                "search_key",
                "pk",
            )
        )

    def to_follow_up(self, today: datetime.date):
        """The persons the À relancer page lists on `today`: a follow-up appointment missed
        in the last 3 months and no visit since, a referral without a result for more than
        15 days, a next step due, or a referral in progress and no visit for 3 months."""
        person = OuterRef("pk")
        cutoff = today - UNSEEN_FOR
        missed = Appointment.objects.missed_since(cutoff).filter(beneficiary=person)
        awaiting = Referral.objects.awaiting_result(today).filter(beneficiary=person)
        due = Visit.objects.next_steps_due(today).filter(beneficiary=person)
        visits = Visit.objects.filter(beneficiary=person)
        unseen = (
            Exists(Referral.objects.open().filter(beneficiary=person))
            & Exists(visits.filter(date__lt=cutoff))
            & ~Exists(visits.filter(date__gte=cutoff))
        )
        return self.identified().filter(Exists(missed) | Exists(awaiting) | Exists(due) | unseen)

    def caseload_counts(self, today: datetime.date):
        """One row per referent (`referent`: the user's id, None for the files without
        one) over the identified files: `files`, `seen_this_year`, `open_referrals`,
        `overdue` (files whose next step was due before today). One GROUP BY query."""
        return (
            self.identified()
            .alias(**_latest_visit())
            .alias(**_figures())
            .values("referent")
            .annotate(
                files=Count("pk"),
                seen_this_year=Count("pk", filter=Q(last_visit__gte=datetime.date(today.year, 1, 1))),
                open_referrals=Coalesce(Sum("open_referrals"), 0),
                overdue=Count("pk", filter=Q(next_step_due__lt=today)),
            )
            .order_by()
        )


@dataclass(frozen=True)
class CaseloadCounts:
    """One line of coordination's table: a counsellor (None: the files without a
    referent) and the counts of their caseload. `is_counsellor` is False for an
    account that still has files but no longer the role (to be moved)."""

    user: object | None
    is_counsellor: bool
    files: int = 0
    seen_this_year: int = 0
    open_referrals: int = 0
    overdue: int = 0


def caseload_table(files, *, today: datetime.date) -> tuple[list[CaseloadCounts], CaseloadCounts]:
    """Every active counsellor (an empty caseload included) and every other account
    still referent of `files`, by name; then the files without a referent. Two queries."""
    counts = {row.pop("referent"): row for row in files.caseload_counts(today)}
    users = get_user_model().objects
    in_role = Exists(
        users.model.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.CONSEILLER)
    )
    counsellor = ExpressionWrapper(Q(is_active=True) & Q(in_role), output_field=BooleanField())
    holders = (
        users.annotate(is_counsellor=counsellor)
        .filter(Q(is_counsellor=True) | Q(pk__in=[pk for pk in counts if pk is not None]))
        .order_by("first_name", "last_name", "username")
    )
    rows = [CaseloadCounts(user, user.is_counsellor, **counts.get(user.pk, {})) for user in holders]
    return rows, CaseloadCounts(None, False, **counts.get(None, {}))

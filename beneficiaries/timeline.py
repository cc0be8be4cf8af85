"""A file's timeline: one chronological story of what happened with the person —
visits (with their referrals), referrals made outside a visit, outcomes,
follow-up appointments (booked, honoured, missed), workshops, the notice given, merges —
newest first (a coming appointment first of all), filterable by kind, paginated, in a number
of queries that does not grow with the file.

Each kind of entry is a `Source`: which rows of a file it shows (`of_file`),
their day and, for two entries of one day, their moment; how to read the rows of
one page with what their template shows (`rows`); and that template, which
receives `row`, `person` and `actions` (whether action buttons may be shown).
The database sorts and cuts the union of every source's (kind, day, moment, pk)
into pages (one query, and one to count); then each source present on the page
reads its rows (a fixed number of queries each, none when absent).

Another kind of entry plugs in by adding its source: `register(Source(...))`,
called from the module that defines the model — for an app above this one, in
its `AppConfig.ready()`. Its `kind` is the value of `?type=` that shows it alone.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, TruncDate

from .models import Appointment, Beneficiary, BeneficiaryMerge, Outcome, Referral, Visit, WorkshopRegistration

PAGE_SIZE = 20


@dataclass(frozen=True)
class Source:
    kind: str  # the value of ?type= (a URL slug, in French)
    label: str  # the filter's label, plural
    heading: str  # one entry's heading, before its date
    template: str
    of_file: Callable[[Beneficiary], models.QuerySet]
    day: models.Expression | F
    rows: Callable[[Beneficiary, list[int]], Iterable]
    # Orders two entries of one day (the time the row was written); none: after the others.
    moment: models.Expression | F | None = None


@dataclass(frozen=True)
class Entry:
    source: Source
    day: datetime.date
    row: object


SOURCES: list[Source] = []


def register(source: Source) -> None:
    if any(known.kind == source.kind for known in SOURCES):
        raise ValueError(f"A timeline source of kind {source.kind!r} is already registered.")
    SOURCES.append(source)


def kinds() -> list[tuple[str, str]]:
    """(kind, label) of each source, for the filter."""
    return [(source.kind, source.label) for source in SOURCES]


def _keys(source: Source, person: Beneficiary) -> models.QuerySet:
    moment = source.moment if source.moment is not None else Value(None)
    return (
        source.of_file(person)
        .order_by()
        .annotate(
            t_kind=Value(source.kind, output_field=models.CharField()),
            t_day=Cast(source.day, models.DateField()),
            t_moment=Cast(moment, models.DateTimeField()),
            t_pk=Cast("pk", models.BigIntegerField()),
        )
        .values_list("t_kind", "t_day", "t_moment", "t_pk")
    )


def timeline_page(person: Beneficiary, *, kind: str = "", number=None) -> Page:
    """One page of the file's entries (of one `kind`, or of all), newest first."""
    sources = [source for source in SOURCES if kind in ("", source.kind)] or SOURCES
    keys = _keys(sources[0], person)
    if len(sources) > 1:
        keys = keys.union(*(_keys(source, person) for source in sources[1:]), all=True)
    keys = keys.order_by(F("t_day").desc(), F("t_moment").desc(nulls_last=True), "t_kind", F("t_pk").desc())
    page = Paginator(keys, PAGE_SIZE).get_page(number)
    by_kind = {source.kind: source for source in sources}
    wanted: dict[str, list[int]] = defaultdict(list)
    for entry_kind, _, _, pk in page.object_list:
        wanted[entry_kind].append(pk)
    found = {
        entry_kind: {row.pk: row for row in by_kind[entry_kind].rows(person, pks)}
        for entry_kind, pks in wanted.items()
    }
    page.object_list = [
        Entry(source=by_kind[entry_kind], day=day, row=found[entry_kind][pk])
        for entry_kind, day, _, pk in page.object_list
        # A row deleted between the two reads is left out.
        if pk in found[entry_kind]
    ]
    return page


# --- the file's own kinds ----------------------------------------------------------


def _notice(person: Beneficiary, pks: list[int]) -> list[Beneficiary]:
    return [person]


register(
    Source(
        kind="rendez-vous",
        label="Rendez-vous",
        heading="Rendez-vous individuel",
        template="beneficiaries/timeline/visit.html",
        of_file=lambda person: Visit.objects.filter(beneficiary=person),
        day=F("date"),
        moment=F("created_at"),
        rows=lambda person, pks: Visit.objects.filter(pk__in=pks).for_timeline(),
    )
)
register(
    Source(
        kind="orientations",
        label="Orientations hors rendez-vous",
        heading="Orientation hors rendez-vous",
        template="beneficiaries/timeline/referral.html",
        of_file=lambda person: Referral.objects.filter(beneficiary=person, visit__isnull=True),
        day=F("proposed_on"),
        moment=F("created_at"),
        rows=lambda person, pks: Referral.objects.filter(pk__in=pks),
    )
)
register(
    Source(
        kind="sorties",
        label="Sorties",
        heading="Sortie",
        template="beneficiaries/timeline/outcome.html",
        of_file=lambda person: Outcome.objects.filter(beneficiary=person),
        day=F("start_date"),
        moment=F("created_at"),
        rows=lambda person, pks: Outcome.objects.filter(pk__in=pks),
    )
)
register(
    Source(
        kind="suivis",
        label="Rendez-vous de suivi",
        heading="Rendez-vous de suivi",
        template="beneficiaries/timeline/appointment.html",
        of_file=lambda person: Appointment.objects.filter(beneficiary=person),
        day=F("permanence__date"),
        moment=F("created_at"),
        rows=lambda person, pks: Appointment.objects.filter(pk__in=pks).for_listing(),
    )
)
register(
    Source(
        kind="ateliers",
        label="Ateliers collectifs",
        heading="Atelier collectif",
        template="beneficiaries/timeline/workshop.html",
        of_file=lambda person: WorkshopRegistration.objects.filter(beneficiary=person),
        day=F("workshop__date"),
        moment=F("created_at"),
        rows=lambda person, pks: WorkshopRegistration.objects.filter(pk__in=pks).select_related(
            "workshop__theme", "workshop__venue"
        ),
    )
)
register(
    Source(
        kind="notice",
        label="Notice d'information",
        heading="Notice d'information remise",
        template="beneficiaries/timeline/notice.html",
        of_file=lambda person: Beneficiary.objects.filter(pk=person.pk, notice_given_on__isnull=False),
        day=F("notice_given_on"),
        rows=_notice,
    )
)
register(
    Source(
        kind="fusions",
        label="Fusions de dossiers",
        heading="Fusion de dossiers",
        template="beneficiaries/timeline/merge.html",
        of_file=lambda person: BeneficiaryMerge.objects.filter(
            Q(kept_ref=person.ref) | Q(removed_ref=person.ref)
        ),
        day=TruncDate("merged_at"),
        moment=F("merged_at"),
        rows=lambda person, pks: BeneficiaryMerge.objects.filter(pk__in=pks).select_related("merged_by"),
    )
)

from django.conf import settings
from django.contrib import messages
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from core.responses import render_form
from core.submissions import new_token, submit_once
from permanences.models import Permanence

from . import perms
from .bilan import FIRST_YEAR, cached_bilans
from .disclosure import Figures
from .exports import bilan_csv, bilan_pdf, bilan_xlsx, filename
from .forms import BilanForm, PublishForm
from .messages import message_months
from .models import PublishedBilan
from .presentation import WORKSHOPS_NOTE, headline
from .quality import data_quality
from .report import Source, build_report
from .services import bilan_publish

EXPORTS = {
    "pdf": (bilan_pdf, "application/pdf"),
    "xlsx": (bilan_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (bilan_csv, "text/csv; charset=utf-8"),
}


def available_years() -> list[int]:
    """From the first year with a permanence to this one."""
    first = Permanence.objects.aggregate(first=Min("date"))["first"]
    this_year = timezone.localdate().year
    start = min(first.year, this_year - 1) if first else this_year - 1
    return list(range(max(start, FIRST_YEAR), this_year + 1))


def bilan_choice(request) -> tuple[dict, list[str], list[int]]:
    """The bilan asked for, the French messages of what was ignored (an unknown
    year, venue or quarter falls back to its default), and the years offered."""
    years = available_years()
    submitted = BilanForm(request.GET or None, years=years)
    return submitted.choice(), submitted.error_messages(), years


def query_string(choice: dict, **changes) -> str:
    """The dashboard's choice as a query string, for links and exports."""
    values = {
        "year": choice["year"],
        "venue": choice["venue"].pk if choice["venue"] else "",
        "quarter": choice["quarter"].pk if choice["quarter"] else "",
        "chiffres": choice["source"] or "",
        **changes,
    }
    return urlencode({name: value for name, value in values.items() if value not in ("", None)})


@require_GET
def dashboard(request):
    perms.require_dashboards(request)
    choice, errors, years = bilan_choice(request)
    report = build_report(user=request.user, **choice)
    other = Source.LIVE if report.is_published else Source.PUBLISHED
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": BilanForm.showing({**choice, "source": report.source}, years=years),
            "errors": errors,
            "report": report,
            "export_query": query_string(choice, chiffres=report.source.value),
            "other_source_query": query_string(choice, chiffres=other.value),
            # Only a finished year is published.
            "can_publish": perms.can_publish(request.user) and report.year < timezone.localdate().year,
            "can_view_data_quality": perms.can_view_data_quality(request.user),
            "workshops_note": WORKSHOPS_NOTE,
            # Messages to persons are not tied to a venue: on the whole city's page only.
            "message_months": message_months(report.year, masked=perms.must_mask_small_counts(request.user))
            if choice["venue"] is None and choice["quarter"] is None
            else None,
        },
    )


@require_GET
def export(request, fmt: str):
    perms.require_dashboards(request)
    if fmt not in EXPORTS:
        raise Http404("Format d'export inconnu.")
    choice, _, _ = bilan_choice(request)
    report = build_report(user=request.user, **choice)
    render_file, content_type = EXPORTS[fmt]
    response = HttpResponse(render_file(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
    return response


@require_http_methods(["GET", "POST"])
def publish(request):
    """Freeze a finished year's figures as presented to the council."""
    perms.require_publish(request)
    choice, _, _ = bilan_choice(request)
    form = PublishForm(request.POST or None, initial={"year": choice["year"], "token": new_token()})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        target = (
            reverse("reporting:dashboard") + "?" + urlencode({"year": year, "chiffres": Source.PUBLISHED})
        )
        submit_once(
            token=form.cleaned_data["token"],
            user=request.user,
            create=lambda: bilan_publish(year=year, user=request.user, note=form.cleaned_data["note"]),
            result_url=lambda publication: target,
            fallback=target,
        )
        messages.success(request, f"Bilan {year} publié : la ville voit désormais ces chiffres.")
        return redirect(target)
    year = form.cleaned_data["year"] if form.is_bound and "year" in form.cleaned_data else choice["year"]
    # Shown from the shared cache; publishing computes the figures again (services.py).
    (bilan,) = cached_bilans([year])
    context = {
        "form": form,
        "year": year,
        "year_is_over": year < timezone.localdate().year,
        "headline": headline(Figures(bilan)),
        "bilan": bilan,
        "publications": PublishedBilan.objects.filter(year=year).select_related("published_by"),
    }
    return render_form(request, "reporting/publish.html", context, form)


@require_GET
def quality(request):
    perms.require_data_quality(request)
    choice, errors, years = bilan_choice(request)
    return render(
        request,
        "reporting/quality.html",
        {
            "form": BilanForm.showing(choice, years=years),
            "errors": errors,
            "panel": data_quality(choice["year"], today=timezone.localdate()),
            "retention_days": settings.RETENTION_DAYS,
        },
    )

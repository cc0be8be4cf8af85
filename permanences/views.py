from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.pdf import render_pdf
from core.responses import render_form
from core.submissions import submit_once

from . import perms, schedule
from .forms import AdHocForm, CancelForm
from .ical import sessions_calendar
from .models import Permanence, PublicInfo
from .services import PermanenceError, permanence_cancel, permanence_hold, permanence_open, permanences_plan


@require_http_methods(["GET", "POST"])
def today(request):
    """Ma permanence: today's sessions, the user's own first; POST opens an ad hoc one."""
    perms.require_run_permanences(request)
    day = timezone.localdate()
    form = AdHocForm(request.POST or None, initial=AdHocForm.initial(timezone.localtime()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            permanence = submit_once(
                token=data["token"],
                user=request.user,
                create=lambda: permanence_open(
                    venue=data["venue"],
                    day=day,
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    user=request.user,
                ),
                result_url=lambda p: reverse("beneficiaries:desk", args=[p.pk]),
                fallback=reverse("permanences:today"),
            )
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Permanence ouverte : {permanence.venue.name}.")
            return redirect("beneficiaries:desk", permanence.pk)
    permanences_plan(start=day, end=day)
    permanences = list(Permanence.objects.on(day).for_listing())
    mine = [p for p in permanences if request.user in p.counsellors.all()]
    others = [p for p in permanences if p not in mine]
    context = {"day": day, "mine": mine, "others": others, "form": form}
    return render_form(request, "permanences/today.html", context, form)


@require_GET
def upcoming(request):
    """Mes prochaines permanences: the coming sessions the user is assigned to, cancelled ones included."""
    perms.require_run_permanences(request)
    today = timezone.localdate()
    sessions = (
        Permanence.objects.coming(today)
        .filter(counsellors=request.user)
        .for_listing()
        .order_by("date", "start_time")
    )
    return render(request, "permanences/upcoming.html", {"today": today, "sessions": sessions})


@require_POST
def hold(request, pk: int):
    permanence = perms.get_permanence_for_user(request, pk)
    try:
        permanence_hold(permanence=permanence, user=request.user)
    except PermanenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Permanence marquée comme tenue.")
    return redirect("permanences:today")


@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    permanence = perms.get_permanence_for_user(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            permanence_cancel(permanence=permanence, reason=form.cleaned_data["reason"])
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Permanence annulée.")
            return redirect("permanences:today")
    return render(request, "permanences/cancel.html", {"permanence": permanence, "form": form})


# --- public pages: no login, nothing personal --------------------------------


@login_not_required
@require_GET
def public_schedule(request):
    """Où et quand ? The drop-ins by quarter and venue, for residents and partners."""
    day = timezone.localdate()
    return render(
        request,
        "permanences/public/schedule.html",
        {
            "day": day,
            "weeks": schedule.PAGE_WEEKS,
            "quarters": schedule.public_schedule(day=day, weeks=schedule.PAGE_WEEKS),
            "info": PublicInfo.objects.current(),
        },
    )


@login_not_required
@require_GET
def calendar_feed(request, venue_pk: int | None = None):
    """The coming sessions of every venue, or of one, as an iCalendar feed."""
    venue = perms.get_public_venue(venue_pk) if venue_pk is not None else None
    schedules = schedule.venue_schedules(day=timezone.localdate(), weeks=schedule.FEED_WEEKS, venue=venue)
    body = sessions_calendar(
        schedule.all_sessions(schedules),
        venue=venue,
        domain=request.get_host().partition(":")[0],
        page_url=request.build_absolute_uri(reverse("public:schedule")),
        info=PublicInfo.objects.current(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    filename = f"permanences-emploi-{venue.pk}.ics" if venue else "permanences-emploi.ics"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_not_required
@require_GET
def venue_poster(request, venue_pk: int):
    """An A4 poster of one venue's drop-in, for its notice board."""
    venue = perms.get_public_venue(venue_pk)
    day = timezone.localdate()
    schedules = schedule.venue_schedules(day=day, weeks=schedule.PAGE_WEEKS, venue=venue)
    pdf = render_pdf(
        "permanences/public/poster.pdf.html",
        {
            "day": day,
            "venue": venue,
            "schedule": schedules[0] if schedules else schedule.VenueSchedule(venue),
            "info": PublicInfo.objects.current(),
            "page_url": request.build_absolute_uri(reverse("public:schedule")),
        },
        stylesheet="permanences/poster.css",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="affiche-permanence-emploi-{venue.pk}.pdf"'
    return response

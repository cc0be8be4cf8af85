"""The planning of coordination: the sessions of a week, venue by venue; adding an
exceptional one, moving one, assigning counsellors, cancelling with a public
reason; and closing the past sessions left "planned" (data-quality panel)."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.params import ascii_int
from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .forms import CloseForm, PlanningCancelForm, PlanningWeekForm, SessionAddForm, SessionEditForm
from .models import Permanence, Venue
from .planning import week_plan
from .services import (
    PermanenceConflict,
    PermanenceError,
    permanence_add,
    permanence_cancel,
    permanence_close,
    permanence_update,
    permanences_generate,
    planning_horizon,
    session_state,
)


def week_url(day: datetime.date, venue_pk: int | None = None) -> str:
    """The planning of the week of `day`, of one venue or all."""
    query = {"semaine": (day - datetime.timedelta(days=day.weekday())).isoformat()}
    if venue_pk is not None:
        query["lieu"] = venue_pk
    return reverse("permanences:planning") + "?" + urlencode(query)


def _venue_asked(request) -> int | None:
    """The venue the planning was showing (`?lieu=`), to go back to it."""
    return ascii_int(request.GET.get("lieu", ""))


@require_GET
def planning(request):
    """One week of sessions, venue by venue; a wrong week or venue shows the default, said."""
    perms.require_plan_permanences(request)
    return _planning_page(request, PlanningWeekForm(request.GET))


def _planning_page(request, form: PlanningWeekForm, *, status: int = 200):
    today = timezone.localdate()
    monday, venue = form.choice(today)
    venue_pk = venue.pk if venue else None
    week = week_plan(
        monday=monday,
        venue=venue,
        planned_until=planning_horizon(today, settings.PLANNING_WEEKS)[1],
    )
    add_query = {"semaine": max(monday, today).isoformat(), **({"lieu": venue_pk} if venue_pk else {})}
    context = {
        "week": week,
        "venue": venue,
        "venue_choices": Venue.objects.active().only("pk", "name").order_by("name"),
        "errors": form.error_messages(),
        "today": today,
        "planning_weeks": settings.PLANNING_WEEKS,
        "lieu": f"?lieu={venue_pk}" if venue_pk else "",
        "previous_url": week_url(week.previous, venue_pk),
        "next_url": week_url(week.next, venue_pk),
        "this_week_url": week_url(today, venue_pk),
        "add_url": reverse("permanences:planning_add") + "?" + urlencode(add_query),
        "return_url": week_url(monday, venue_pk),
    }
    return render(request, "permanences/planning.html", context, status=status)


@require_POST
def generate(request):
    """Plan the coming weeks now (as the daily command does), and the week shown if it lies beyond.
    A wrong week or venue: nothing planned, the planning with the error (400)."""
    perms.require_plan_permanences(request)
    today = timezone.localdate()
    form = PlanningWeekForm(request.POST)
    monday, venue = form.choice(today)
    if form.errors:
        return _planning_page(request, form, status=400)
    start, end = planning_horizon(today, settings.PLANNING_WEEKS)
    sunday = monday + datetime.timedelta(days=6)
    result = permanences_generate(start=start, end=max(end, sunday))
    messages.success(
        request,
        f"Planning à jour jusqu'au {max(end, sunday):%d/%m/%Y} : {result.created} permanence(s) créée(s), "
        f"{result.updated} mise(s) à jour, {result.removed} retirée(s). "
        "Les permanences modifiées à la main n'ont pas été touchées.",
    )
    return redirect(week_url(monday, venue.pk if venue else None))


@require_http_methods(["GET", "POST"])
def add(request):
    """An exceptional session, outside the weekly slots."""
    perms.require_plan_permanences(request)
    today = timezone.localdate()
    monday, venue = PlanningWeekForm(request.GET).choice(today)
    initial = {"venue": venue, "date": max(monday, today), "token": new_token()}
    form = SessionAddForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fallback = week_url(data["date"], data["venue"].pk)
        try:
            permanence = submit_once(
                token=data["token"],
                user=request.user,
                create=lambda: permanence_add(
                    venue=data["venue"],
                    day=data["date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    counsellors=data["counsellors"],
                ),
                result_url=lambda p: week_url(p.date, p.venue_id),
                fallback=fallback,
            )
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Permanence exceptionnelle ajoutée le {permanence.date:%d/%m/%Y}.")
            return redirect(fallback)
    context = {"form": form, "back_url": week_url(monday, venue.pk if venue else None)}
    return render_form(request, "permanences/planning_add.html", context, form)


def _edit_form(permanence: Permanence) -> SessionEditForm:
    """The move form as the session is now."""
    initial = {
        "date": permanence.date,
        "start_time": permanence.start_time,
        "end_time": permanence.end_time,
        "counsellors": list(permanence.counsellors.all()),
        "state": session_state(permanence),
    }
    return SessionEditForm(initial=initial)


def _cancel_form(permanence: Permanence) -> PlanningCancelForm:
    """The cancel form as the session is now."""
    return PlanningCancelForm(initial={"state": session_state(permanence)})


def _session_context(request, permanence: Permanence, form, typed: dict | None = None) -> dict:
    """The page of one session's form; `typed`: what the user sent, when it was not saved (a conflict)."""
    conflict = None
    if typed is not None:
        empty = {"reason": "", "date": None, "start_time": None, "end_time": None, "counsellors": []}
        conflict = empty | typed
    return {
        "permanence": permanence,
        "form": form,
        "conflict": conflict,
        "back_url": week_url(permanence.date, _venue_asked(request)),
    }


def _conflict(request, template: str, current: Permanence, fresh_form, typed: dict):
    """Nothing saved: the session as it is now, what the user typed, and a form on the current version."""
    context = _session_context(request, current, fresh_form(current), typed)
    return render(request, template, context, status=409)


@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    """Move a session (date, hours) and assign its counsellors."""
    permanence = perms.get_planned_permanence_for_user(request, pk)
    template = "permanences/planning_edit.html"
    form = _edit_form(permanence) if request.method == "GET" else SessionEditForm(request.POST)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            updated = permanence_update(
                permanence=permanence,
                expected_state=data["state"],
                day=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                counsellors=data["counsellors"],
            )
        except PermanenceConflict as conflict:
            return _conflict(request, template, conflict.current, _edit_form, data)
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Permanence modifiée : la planification automatique n'y touchera plus.")
            return redirect(week_url(updated.date, _venue_asked(request)))
    return render_form(request, template, _session_context(request, permanence, form), form)


@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    """Cancel a coming session; the reason is shown on the public page and in the calendars."""
    permanence = perms.get_planned_permanence_for_user(request, pk)
    template = "permanences/planning_cancel.html"
    form = _cancel_form(permanence) if request.method == "GET" else PlanningCancelForm(request.POST)
    if form.is_bound and form.is_valid():
        try:
            permanence_cancel(
                permanence=permanence,
                reason=form.cleaned_data["reason"],
                expected_state=form.cleaned_data["state"],
            )
        except PermanenceConflict as conflict:
            return _conflict(request, template, conflict.current, _cancel_form, form.cleaned_data)
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Permanence annulée : le motif est affiché sur la page publique.")
            return redirect(week_url(permanence.date, _venue_asked(request)))
    return render_form(request, template, _session_context(request, permanence, form), form)


def _back(request, permanence: Permanence) -> str:
    """Where a one-click close returns: the page it was made from, else the session's week."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return week_url(permanence.date)


@require_POST
def close(request, pk: int):
    """A past session left "planned", marked held or cancelled in one click. Refused:
    a page with the reason and the form again (400), or the session as it now is (409)."""
    permanence = perms.get_planned_permanence_for_user(request, pk)
    form = CloseForm(request.POST)
    back = _back(request, permanence)
    status = None
    if form.is_valid():
        try:
            closed = permanence_close(
                permanence=permanence, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
            )
        except PermanenceConflict as conflict:
            permanence, status = conflict.current, 409
            form.add_error(None, str(conflict))
        except PermanenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Permanence du {closed.date:%d/%m/%Y} ({permanence.venue.name}) marquée "
                f"{closed.get_status_display().lower()}.",
            )
            return redirect(back)
    context = {"permanence": permanence, "form": form, "back_url": back}
    if status is not None:
        return render(request, "permanences/close.html", context, status=status)
    return render_form(request, "permanences/close.html", context, form)

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import perms
from .forms import AdHocForm, CancelForm
from .models import Permanence
from .services import PermanenceError, permanence_cancel, permanence_hold, permanence_open, permanences_plan


def get_permanence_for_user(request, pk: int) -> Permanence:
    if not perms.can_run_permanences(request.user):
        raise PermissionDenied
    return get_object_or_404(Permanence.objects.select_related("venue__quarter"), pk=pk)


@require_http_methods(["GET", "POST"])
def today(request):
    """Ma permanence: today's sessions, the user's own first; POST opens an ad hoc one."""
    if not perms.can_run_permanences(request.user):
        raise PermissionDenied
    day = timezone.localdate()
    form = AdHocForm(request.POST or None, initial=AdHocForm.initial_times(timezone.localtime()))
    if request.method == "POST" and form.is_valid():
        try:
            permanence = permanence_open(
                venue=form.cleaned_data["venue"],
                day=day,
                start_time=form.cleaned_data["start_time"],
                end_time=form.cleaned_data["end_time"],
                user=request.user,
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
    return render(
        request,
        "permanences/today.html",
        {"day": day, "mine": mine, "others": others, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def hold(request, pk: int):
    permanence = get_permanence_for_user(request, pk)
    try:
        permanence_hold(permanence=permanence, user=request.user)
    except PermanenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Permanence marquée comme tenue.")
    return redirect("permanences:today")


@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    permanence = get_permanence_for_user(request, pk)
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

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import perms
from .models import Permanence
from .services import permanences_plan


@require_GET
def today(request):
    """Ma permanence: today's sessions, the user's own first."""
    if not perms.can_run_permanences(request.user):
        raise PermissionDenied
    day = timezone.localdate()
    permanences_plan(start=day, end=day)
    permanences = Permanence.objects.on(day).for_listing()
    mine = [p for p in permanences if request.user in p.counsellors.all()]
    others = [p for p in permanences if p not in mine]
    return render(
        request,
        "permanences/today.html",
        {"day": day, "mine": mine, "others": others},
    )

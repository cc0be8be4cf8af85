from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import perms
from .bilan import compute_bilan
from .forms import YearForm


@require_GET
def dashboard(request):
    if not perms.can_view_dashboards(request.user):
        raise PermissionDenied
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year - 1
    return render(
        request,
        "reporting/dashboard.html",
        {"form": form, "bilan": compute_bilan(year)},
    )

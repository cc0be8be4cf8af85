"""The bare view of the load benchmark: the ceiling of the stack (docs/BENCHMARKS.md)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def bare(request):
    """A tiny response through every middleware: no database, no session, no template."""
    return HttpResponse(b"ok", content_type="text/plain")

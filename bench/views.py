"""The load benchmark's reference views (docs/BENCHMARKS.md, "Sous charge"): the
bare view, the ceiling of the stack; and the empty page, the floor of every
page a logged-in user opens."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def bare(request):
    """A tiny response through every middleware: no database, no session, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


@require_GET
def empty(request):
    """The layout of every page (menu of the user's roles, footer), logged in, with
    nothing in it: the session, the user and their roles read, the base template rendered."""
    return render(request, "bench/empty.html")

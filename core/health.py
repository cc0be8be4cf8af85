"""Health endpoints for load balancers and orchestrators: no login, nothing personal.

`/healthz`: the process answers (liveness); the database is not asked.
`/readyz`: the database answers and every migration of this code is applied
(readiness): an app server started with new code before its migration ran
answers 503, and so does one that lost its database, for whatever probes it
(a deployment script, an orchestrator, monitoring: docs/DEPLOY.md).

Both are answered by the first middleware of the stack, before any other: no
session is read or created (no cookie), no audit entry or request log line is
written, the host is not checked (a probe reaches an app server by its
address) and plain HTTP is not redirected (probes use plain HTTP). The URL
patterns name them for `reverse()` and the access table (tests/access.py).
"""

import functools
import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def plain(text: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8", status=status)
    add_never_cache_headers(response)
    return response


@functools.cache
def code_migrations() -> frozenset[tuple[str, str]]:
    """The last migration of each app in this code (read from the files, once per process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def missing_migrations() -> list[str]:
    """The last migrations of this code that the database has not applied (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    return sorted(f"{app}.{name}" for app, name in code_migrations() - applied)


@login_not_required
@require_safe
def healthz(request):
    return plain("ok")


@login_not_required
@require_safe
def readyz(request):
    try:
        missing = missing_migrations()
    except DatabaseError as error:
        logger.warning("readyz: base de données injoignable (%s)", type(error).__name__)
        return plain("non prêt : base de données injoignable", status=503)
    if missing:
        logger.warning("readyz: %s migrations non appliquées", len(missing))
        return plain(f"non prêt : migrations non appliquées ({', '.join(missing)})", status=503)
    return plain("prêt")


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """First of the stack: a probe is answered before any other middleware runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)

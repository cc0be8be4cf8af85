"""Logs for operations: one line per request, and every line in text or JSON (LOG_FORMAT).

A request's line says what was asked by the URL pattern that served it
(`/personnes/<int:pk>/`), never by the path or the query string, which carry
a person's id or the name a counsellor searched for; then the status, the
duration, the SQL statements it sent (as many as a test's assertNumQueries
counts), the user's id (never a name) and the request id. The request id is
the proxy's (`X-Request-ID`, trusted when BEHIND_PROXY says there is one:
nginx's `$request_id`, deploy/nginx/permanences.conf) or made here; every
audit entry the request writes carries it (audit/migrations/0007), and so does
every other log line written during the request, and the response
(`X-Request-ID`), so that an error reported by a user leads to its lines and
its entries. Django's own lines about a request ("Not Found: …") name the
route too, never the path (`RouteOnlyFilter`).
"""

import datetime
import json
import logging
import re
import time
import traceback
import uuid

from django.conf import settings
from django.db import connection
from django.utils.functional import empty

from audit.context import request_id, serving_request

logger = logging.getLogger("permanences.requests")

# nginx's $request_id (32 hex digits) or a UUID: anything else is replaced by a new id.
REQUEST_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
# The fields a request's line adds to its record (JSON keys).
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "queries", "user_id", "request_id")


def incoming_request_id(request) -> str:
    """The proxy's request id when it is trusted and well formed, else a new one: 32 hex digits."""
    if settings.REQUEST_ID_FROM_PROXY:
        given = request.headers.get("X-Request-ID", "").strip().lower()
        if REQUEST_ID.fullmatch(given):
            return given.replace("-", "")
    return uuid.uuid4().hex


def route_of(request) -> str:
    """The URL pattern that served the request; never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route
    if request.path.startswith(settings.STATIC_URL):
        return settings.STATIC_URL + "…"
    return "(aucune)"


def user_id_of(request) -> int | None:
    # Only a user the request already loaded: logging never queries.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty or not user.is_authenticated:
        return None
    return user.pk


class QueryCounter:
    """A `connection.execute_wrapper`: counts the SQL statements sent through Django."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    """Near the top of the stack (after the probes): one line per request, timed
    from here to the response; the request id is set for everything below."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        current = incoming_request_id(request)
        queries = QueryCounter()
        # Not connection.execute_wrapper(), which removes the last wrapper on exit: the
        # audit's (audit/db.py) when the request opened the connection.
        connection.execute_wrappers.append(queries)
        try:
            with serving_request(current):
                response = self.get_response(request)
                self.log(request, response, started=started, queries=queries.count, request_id=current)
        finally:
            connection.execute_wrappers.remove(queries)
        response.headers["X-Request-ID"] = current
        return response

    @staticmethod
    def log(request, response, *, started: float, queries: int, request_id: str) -> None:
        fields = {
            "method": request.method,
            "route": route_of(request),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "queries": queries,
            "user_id": user_id_of(request),
            "request_id": request_id,
        }
        logger.info(
            "%(method)s %(route)s %(status)s %(duration_ms)sms queries=%(queries)s user=%(user_id)s"
            " request=%(request_id)s",
            fields,
            extra=fields,
        )


class RequestIdFilter(logging.Filter):
    """Every line written while a request is served carries its id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id()
        return True


class RouteOnlyFilter(logging.Filter):
    """Django's lines about a request ("Not Found: /personnes/12/", "Forbidden
    (CSRF…): …") name its route instead of its path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple):
            record.args = tuple(route_of(request) if arg == path else arg for arg in record.args)
        return True


def traceback_without_messages(error: BaseException, seen: set[int] | None = None) -> str:
    """An error's traceback (and those of the errors it follows) with each error's
    type but never its message: a database error quotes the row's values
    ("Key (ref)=(…)"), a ValueError what was typed."""
    seen = seen if seen is not None else set()
    seen.add(id(error))
    text = ""
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    if cause is not None and id(cause) not in seen:
        text = traceback_without_messages(cause, seen) + "\nPuis :\n"
    frames = "".join(traceback.format_tb(error.__traceback__))
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    omitted = "(message omis : il peut citer des données)"
    return f"{text}Traceback (most recent call last):\n{frames}{kind} {omitted}"


class NoMessagesInTracebacks(logging.Formatter):
    """The text format (LOG_FORMAT=text): an error's traceback without its messages."""

    def formatException(self, ei) -> str:
        return traceback_without_messages(ei[1]) if ei[1] is not None else ""


class JsonFormatter(NoMessagesInTracebacks):
    """One JSON object per line (LOG_FORMAT=json): time, level, logger, message,
    the request's fields when there are some, and the traceback of an error
    (without its messages)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value not in (None, ""):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

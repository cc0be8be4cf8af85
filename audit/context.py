"""Who is writing: the user of the current request, else the management command
being run; and the id of the request being served, which its log line shows
too (core/logs.py). The database reads both on every statement (audit/db.py):
the audit triggers the writer, the trail's `request_id` column default the id."""

import contextlib
import functools
from contextvars import ContextVar

current_user: ContextVar = ContextVar("audit_current_user", default=None)
current_command: ContextVar[str] = ContextVar("audit_current_command", default="")
current_request_id: ContextVar[str] = ContextVar("audit_current_request_id", default="")


def actor() -> tuple[int | None, str]:
    """The id and name the trail records for what is written now: the request's
    user; outside a request, the command ("commande import_activity"); else nobody."""
    user = current_user.get()
    if user is not None:
        return user.pk, user.get_username()
    return None, command_label()


def command_label() -> str:
    command = current_command.get()
    return f"commande {command}" if command else ""


@contextlib.contextmanager
def acting_as(user):
    """Write as `user` (None or anonymous: nobody) until the block ends."""
    token = current_user.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        current_user.reset(token)


def request_id() -> str:
    """The id of the request being served (32 hex digits), else ""."""
    return current_request_id.get()


@contextlib.contextmanager
def serving_request(request_id: str):
    """What is written until the block ends is written in this request (32 hex digits)."""
    token = current_request_id.set(request_id)
    try:
        yield
    finally:
        current_request_id.reset(token)


@contextlib.contextmanager
def running_command(name: str):
    """Inside a command, writes are the command's. A command run by another one
    (call_command) stays the first one's."""
    token = current_command.set(current_command.get() or name)
    try:
        yield
    finally:
        current_command.reset(token)


def name_commands() -> None:
    """Make every management command, from manage.py or call_command, run under
    its name (`running_command`): Django has no hook around a command, so its
    `execute` is wrapped, once."""
    from django.core.management.base import BaseCommand

    execute = BaseCommand.execute
    if getattr(execute, "audit_named", False):
        return

    @functools.wraps(execute)
    def named_execute(self, *args, **options):
        with running_command(type(self).__module__.rpartition(".")[2]):
            return execute(self, *args, **options)

    named_execute.audit_named = True
    BaseCommand.execute = named_execute


class CurrentUserMiddleware:
    """The request's user writes for the whole request (anonymous: nobody)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)

"""Create forms that act once, whatever the user does with the browser.

The form carries a one-time token (`new_token`); `submit_once` records it in
the same transaction as the creation, so that a second request with the same
token, even concurrent, does not create again. It raises `AlreadySubmitted`,
which `core.middleware.AlreadySubmittedMiddleware` turns into a redirect to
what the first request created (or the view's fallback page), with a message:
views need no code of their own for it.
"""

import uuid
from collections.abc import Callable

from django import forms
from django.db import IntegrityError, transaction

from .models import FormSubmission

ALREADY_SUBMITTED = "Ce formulaire a déjà été envoyé : rien n'a été enregistré une seconde fois."


class AlreadySubmitted(Exception):
    """The token was used before; `url` is where the user goes instead."""

    def __init__(self, result_url: str, *, fallback: str):
        super().__init__(result_url)
        self.url = result_url or fallback


class TokenField(forms.UUIDField):
    """The hidden one-time token of a create form."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        expired = "Formulaire expiré : rechargez la page."
        kwargs.setdefault("error_messages", {"required": expired, "invalid": expired})
        super().__init__(**kwargs)


def new_token() -> uuid.UUID:
    return uuid.uuid4()


def check_not_submitted(*, token: uuid.UUID, user, fallback: str) -> None:
    """Raise AlreadySubmitted early, before a form's confirmation steps, for a token seen before."""
    previous = FormSubmission.objects.filter(key=token, user=user).first()
    if previous is not None:
        raise AlreadySubmitted(previous.result_url, fallback=fallback)


def submit_once[T](
    *, token: uuid.UUID, user, create: Callable[[], T], result_url: Callable[[T], str], fallback: str
) -> T:
    """Run `create` once per token; raise AlreadySubmitted for a token seen before.

    The token is recorded in the same transaction as what `create` writes: if
    the creation fails, or the process dies before the commit, neither is
    kept and the form can be sent again. A second request with the same token
    waits for the first one's transaction (the token's unique key), then is
    sent to `result_url` of what it created; `fallback` is used when that is
    not known.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(key=token, user=user)
        except IntegrityError:
            previous = FormSubmission.objects.filter(key=token, user=user).first()
            raise AlreadySubmitted(previous.result_url if previous else "", fallback=fallback) from None
        result = create()
        FormSubmission.objects.filter(key=token).update(result_url=result_url(result))
    return result


def forget_submission(*, token: uuid.UUID) -> None:
    """Let a form be sent again: its work, done later in the background, was refused
    or failed, so the first submission created nothing."""
    FormSubmission.objects.filter(key=token).delete()

"""Create forms that act once, whatever the user does with the browser.

The form carries a one-time token (`new_token`); `submit_once` records it in
the same transaction as the creation, so that a second request with the same
token, even concurrent, is sent to the first one's result.
"""

import uuid
from collections.abc import Callable

from django import forms
from django.db import IntegrityError, transaction

from .models import FormSubmission


class AlreadySubmitted(Exception):
    def __init__(self, result_url: str):
        super().__init__(result_url)
        self.result_url = result_url


class TokenField(forms.UUIDField):
    """The hidden one-time token of a create form."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": "Formulaire expiré : rechargez la page."})
        super().__init__(**kwargs)


def new_token() -> uuid.UUID:
    return uuid.uuid4()


def check_not_submitted(*, token: uuid.UUID, user) -> None:
    """Raise AlreadySubmitted early, before a form's confirmation steps, for a token seen before."""
    previous = FormSubmission.objects.filter(key=token, user=user).first()
    if previous is not None:
        raise AlreadySubmitted(previous.result_url)


def submit_once[T](*, token: uuid.UUID, user, create: Callable[[], T], result_url: Callable[[T], str]) -> T:
    """Run `create` once per token; raise AlreadySubmitted for a token seen before."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=token, user=user)
    except IntegrityError:
        previous = FormSubmission.objects.filter(key=token, user=user).first()
        raise AlreadySubmitted(previous.result_url if previous else "") from None
    try:
        with transaction.atomic():
            result = create()
            FormSubmission.objects.filter(key=token).update(result_url=result_url(result))
    except BaseException:
        # The creation failed: the token may be used again once the form is fixed.
        FormSubmission.objects.filter(key=token).delete()
        raise
    return result

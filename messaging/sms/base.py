"""The interface of an SMS backend, and the errors a provider gives back.

What each error means for the message (messaging/sending.py):
- TemporaryError: nothing was sent (the provider answered 5xx, or could not be
  reached): tried again later, up to MESSAGE_MAX_ATTEMPTS;
- RefusedError: the provider refused it for good (4xx): failed at once;
- UnknownResultError: the request left, no answer came back (a read timeout):
  it may have been sent, so it is never sent again (at most once): failed.
"""


class SmsError(Exception):
    """A provider error; its message (French, no personal data) is kept on the message."""


class TemporaryError(SmsError):
    pass


class RefusedError(SmsError):
    pass


class UnknownResultError(SmsError):
    pass


class SmsBackend:
    """Sends one SMS; returns the provider's reference of it (for the delivery reports)."""

    def send(self, *, to: str, text: str, unicode: bool) -> str:
        raise NotImplementedError

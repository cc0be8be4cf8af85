"""Form pieces every app uses, and the forms of the account machinery that the site changes."""

import datetime
import re

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.signals import user_login_failed

from .dates import parse_date
from .params import ascii_int

TOO_MANY_CODES = "Trop de codes erronés : la connexion de ce compte est suspendue pour un moment."


class ThrottledAuthenticateForm(AuthenticateForm):
    """The code step of a login, throttled like the password step.

    A wrong code counts as a failed login for django-axes (same account, same
    address): after AXES_FAILURE_LIMIT failures, password or code, the account
    is suspended from that address for AXES_COOLOFF_MINUTES, and the response is
    the same lockout page as for passwords.
    """

    def clean_code(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            request.axes_locked_out = True
            raise forms.ValidationError(TOO_MANY_CODES)
        try:
            return super().clean_code()
        except forms.ValidationError:
            user_login_failed.send(sender=type(self), credentials=credentials, request=request)
            raise


class AsciiIntegerField(forms.IntegerField):
    """A whole number written with the digits 0-9 only (see core.params.ascii_int)."""

    default_error_messages = {"invalid": "Saisissez un nombre entier, avec les chiffres 0 à 9."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if ascii_int(text.removeprefix("-").removeprefix("+")) is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class AsciiModelChoiceField(forms.ModelChoiceField):
    """A row chosen by its id written with the digits 0-9 only: "١٢" is not row 12."""

    def to_python(self, value):
        if isinstance(value, str) and value not in self.empty_values and ascii_int(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class AsciiModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their ids written with the digits 0-9 only."""

    def _check_values(self, value):
        for pk in value:
            if isinstance(pk, str) and ascii_int(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


# An hour as typed: 14:30 (or 14:30:00, as a browser may send it), 14h30, 14h.
TYPED_TIME = re.compile(r"([0-9]{1,2})(?:[:hH]([0-9]{2})?(?::[0-9]{2})?)?")


class TypedTimeField(forms.TimeField):
    """An hour typed 14:30, 14h30 or 14h, with the digits 0-9 only. A text field: the
    browser's time picker keeps the keyboard focus out of sight."""

    widget = forms.TimeInput(format="%H:%M", attrs={"placeholder": "hh:mm", "size": 6})
    default_error_messages = {"invalid": "Saisissez une heure valide (hh:mm)."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.time):
            return value
        match = TYPED_TIME.fullmatch(str(value).strip())
        try:
            return datetime.time(int(match[1]), int(match[2] or 0))
        except (TypeError, ValueError):  # no match, or no such hour
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class TypedDateField(forms.DateField):
    """A date typed jj/mm/aaaa (or aaaa-mm-jj, as links carry it), with the digits 0-9
    only (core.dates.parse_date): strptime would read "٢٠٢٦-٠٦-١٥" as a date. A text
    field, as every date of the site: the browser's date picker keeps the keyboard
    focus out of sight."""

    widget = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "jj/mm/aaaa", "inputmode": "numeric"})
    default_error_messages = {"invalid": "Date invalide : saisissez-la sous la forme jj/mm/aaaa."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

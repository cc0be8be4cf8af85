"""The consent boxes of the file's forms (the desk's new person, the file's edit)."""

from django import forms
from django.utils import timezone

from .consent import NO_ADDRESS, consent_fields
from .enums import Channel

# The form field holding each channel's address.
ADDRESS_FIELD = {Channel.SMS: "phone", Channel.EMAIL: "email"}


class ConsentFields(forms.Form):
    """Whether the person accepts messages, per channel, as said at the desk.

    Mixed into a file's ModelForm (before it): checked from the file's consents,
    and a box checked without the channel's address is refused in French."""

    sms_consent = forms.BooleanField(label="Accepte les SMS", required=False)
    email_consent = forms.BooleanField(label="Accepte les courriels", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        for channel in Channel:
            field = self.fields[f"{channel}_consent"]
            since = getattr(instance, consent_fields(channel)[0], None)
            field.initial = since is not None
            if since is not None:
                field.help_text = f"Accord noté le {timezone.localtime(since):%d/%m/%Y}."

    def clean(self):
        data = super().clean()
        for channel, address in ADDRESS_FIELD.items():
            if data.get(f"{channel}_consent") and not data.get(address) and address not in self.errors:
                self.add_error(f"{channel}_consent", NO_ADDRESS[channel])
        return data

    def consents(self) -> dict[str, bool]:
        """Channel: given, as checked."""
        return {channel.value: self.cleaned_data[f"{channel}_consent"] for channel in Channel}

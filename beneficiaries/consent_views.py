"""One click on the file: record the person's consent to messages on a channel, or withdraw it."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from . import perms
from .consent import consent_record
from .enums import Channel
from .services import BeneficiaryError

PLURAL = {Channel.SMS: "les SMS", Channel.EMAIL: "les courriels"}


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    given = forms.BooleanField(required=False)


@require_POST
def consent(request, pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Demande incomplète : choisissez le canal (SMS ou courriel).")
        return redirect("beneficiaries:detail", person.pk)
    channel, given = Channel(form.cleaned_data["channel"]), form.cleaned_data["given"]
    try:
        consent_record(beneficiary_id=person.pk, channel=channel, given=given, user=request.user)
    except BeneficiaryError as error:
        messages.error(request, str(error))
    else:
        done = "noté" if given else "retiré"
        messages.success(request, f"Accord pour {PLURAL[channel]} {done}.")
    return redirect("beneficiaries:detail", person.pk)

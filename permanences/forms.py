import datetime

from django import forms

from core.submissions import TokenField, new_token

from .models import Venue


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=255,
        help_text="Par exemple : lieu fermé, conseillère absente. Le motif est affiché sur la page publique.",
    )


class AdHocForm(forms.Form):
    """Open a session today at a venue, outside the weekly slots."""

    venue = forms.ModelChoiceField(
        label="Lieu d'accueil",
        queryset=Venue.objects.active().select_related("quarter"),
        empty_label="Choisir un lieu",
        error_messages={"invalid_choice": "Ce lieu n'existe pas ou n'est plus actif."},
    )
    start_time = forms.TimeField(
        label="Début", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(label="Fin", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    token = TokenField()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        return data

    @staticmethod
    def initial(now: datetime.datetime) -> dict:
        """Now to three hours later, and the form's one-time token."""
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        end = min(start + datetime.timedelta(hours=3), start.replace(hour=23, minute=30))
        return {"start_time": start.time(), "end_time": end.time(), "token": new_token()}

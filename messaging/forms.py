"""A counsellor's one-off message to a person, from the file."""

from django import forms
from django.core.validators import MaxLengthValidator

from core.submissions import TokenField

from .enums import Channel

# The reminder shown on the form, above the text.
NOTHING_PRIVATE = (
    "N'écrivez aucune information de santé, sur le RSA ou sur la vie privée de la personne : "
    "seulement ce qu'il faut pour un rendez-vous ou une démarche (lieu, date, heure, document à apporter)."
)


class OneOffForm(forms.Form):
    token = TokenField()
    channel = forms.ChoiceField(
        label="Canal",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le canal du message.",
            "invalid_choice": "Ce canal n'est pas possible : la personne ne l'a pas accepté.",
        },
    )
    subject = forms.CharField(
        label="Objet du courriel (facultatif)",
        max_length=200,
        required=False,
        error_messages={"max_length": "L'objet ne peut pas dépasser 200 caractères."},
    )
    text = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=NOTHING_PRIVATE,
        error_messages={"required": "Écrivez le message."},
    )

    def __init__(self, *args, channels: list[str], max_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]
        if len(channels) == 1:
            self.fields["channel"].initial = channels[0]
        text = self.fields["text"]
        text.max_length = max_length
        text.validators.append(MaxLengthValidator(max_length))
        text.widget.attrs["maxlength"] = max_length
        text.error_messages["max_length"] = f"Le message ne peut pas dépasser {max_length} caractères."

    def clean_text(self):
        return self.cleaned_data["text"].strip()

"""A counsellor's one-off message to a person, from the file; the texts of the messages."""

from django import forms
from django.core.validators import MaxLengthValidator

from core.submissions import TokenField

from .enums import Channel
from .texts import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, text_body, text_errors

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


class TextErrorsMixin:
    """Checks the subject and the text of a message's text as its service will
    (messaging/texts.py): each refusal under its field, in French."""

    def clean(self):
        data = super().clean()
        template = self.text_template
        errors = text_errors(
            kind=template.kind,
            channel=template.channel,
            subject=data.get("subject", ""),
            body=data.get("body", ""),
        )
        for field, message in errors.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


class MessageTextForm(TextErrorsMixin, forms.Form):
    """The subject (e-mails) and the text of one kind of message on one channel."""

    subject = forms.CharField(
        label="Sujet du courriel",
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={
            "required": "Un courriel a besoin d'un sujet.",
            "max_length": f"Le sujet ne peut pas dépasser {SUBJECT_MAX_LENGTH} caractères.",
        },
    )
    body = forms.CharField(
        label="Texte",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Écrivez le texte du message.",
            "max_length": f"Le texte ne peut pas dépasser {BODY_MAX_LENGTH} caractères.",
        },
    )

    def __init__(self, *args, template, **kwargs):
        self.text_template = template
        kwargs.setdefault("initial", {"subject": template.subject, "body": template.body})
        super().__init__(*args, **kwargs)
        if template.channel == Channel.SMS:
            del self.fields["subject"]

    def clean_body(self):
        return text_body(self.cleaned_data["body"])

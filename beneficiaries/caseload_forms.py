"""The form of coordination's reassignment of a caseload."""

from django import forms

from core.enums import Role
from core.forms import AsciiIntegerField, AsciiModelChoiceField, AsciiModelMultipleChoiceField
from core.roles import users_with_role
from core.templatetags.display import user_label

from .models import Beneficiary

ALL, CHOSEN = "tous", "choisis"


class FileChoiceField(AsciiModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.last_name.upper()} {obj.first_name} ({obj.ref})"


class ReassignForm(forms.Form):
    """Move all or some of `source`'s files to another counsellor. Sent a first
    time, it asks for confirmation with the count; sent again with `confirmed`
    (and that count), the files move."""

    target = AsciiModelChoiceField(
        label="Confier à",
        queryset=users_with_role(Role.CONSEILLER),
        empty_label="Choisir un conseiller ou une conseillère",
        error_messages={
            "required": "Choisissez à qui confier les dossiers.",
            "invalid_choice": "Conseiller ou conseillère inconnu·e : choisissez dans la liste.",
        },
    )
    scope = forms.ChoiceField(
        label="Dossiers à confier",
        choices=[(ALL, "Tous ses dossiers"), (CHOSEN, "Seulement les dossiers cochés ci-dessous")],
        initial=ALL,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez : tous ses dossiers, ou seulement ceux que vous cochez.",
            "invalid_choice": "Choix inconnu : tous ses dossiers, ou seulement ceux que vous cochez.",
        },
    )
    files = FileChoiceField(
        label="Dossiers",
        queryset=Beneficiary.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Dossier inconnu dans ce portefeuille (« %(value)s ») : rechargez la page.",
            "invalid_list": "Liste de dossiers invalide : rechargez la page.",
        },
    )
    expected = AsciiIntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["target"].queryset = users_with_role(Role.CONSEILLER).exclude(pk=source.pk)
        self.fields["target"].label_from_instance = user_label
        self.fields["files"].queryset = Beneficiary.objects.identified().filter(referent=source)
        # The caseload's size: the choice "all", the confirmation, the trail of the list shown.
        self.total = self.fields["files"].queryset.count()
        chosen = self.fields["scope"].choices[1]
        self.fields["scope"].choices = [(ALL, f"Tous ses dossiers ({self.total})"), chosen]

    def clean(self):
        data = super().clean()
        if data.get("scope") == CHOSEN and not data.get("files") and "files" not in self.errors:
            self.add_error("files", "Cochez au moins un dossier, ou choisissez « Tous ses dossiers ».")
        if data.get("scope") == ALL and not self.total:
            self.add_error("scope", "Ce portefeuille est vide : aucun dossier à confier.")
        if data.get("confirmed") and not data.get("expected") and "expected" not in self.errors:
            self.add_error(None, "Confirmation incomplète : recommencez depuis le portefeuille.")
        return data

    def count(self) -> int:
        """How many files would move."""
        return self.total if self.cleaned_data["scope"] == ALL else len(self.cleaned_data["files"])

    def file_ids(self) -> list[int] | None:
        """The files chosen, or None: all of the caseload."""
        if self.cleaned_data["scope"] == ALL:
            return None
        return [person.pk for person in self.cleaned_data["files"]]

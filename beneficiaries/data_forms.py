"""Forms of the data pages (import, export, merge): coordination only."""

from django import forms

from core.submissions import TokenField

from .enums import ExportContent
from .imports import COLUMNS

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


class ImportForm(forms.Form):
    """One to three files: persons, visits, outcomes."""

    token = TokenField()
    beneficiaries = forms.FileField(label="Fichier des personnes", required=False)
    visits = forms.FileField(label="Fichier des rendez-vous", required=False)
    outcomes = forms.FileField(label="Fichier des sorties", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in COLUMNS:
            field = self.fields[kind]
            field.help_text = f"Colonnes : {', '.join(COLUMNS[kind])}."
            field.widget.attrs["accept"] = ".csv,.xlsx,text/csv"
            field.error_messages["empty"] = "Ce fichier est vide."

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in COLUMNS):
            raise forms.ValidationError("Choisissez au moins un fichier : personnes, rendez-vous ou sorties.")
        for kind in COLUMNS:
            upload = data.get(kind)
            if upload and upload.size > MAX_UPLOAD_BYTES:
                self.add_error(
                    kind,
                    f"Fichier trop volumineux ({_size(upload.size)}) : {_size(MAX_UPLOAD_BYTES)} au plus. "
                    "Découpez-le (par année par exemple) ou faites-le importer par la commande "
                    "import_activity.",
                )
        return data

    def files_read(self) -> dict[str, tuple[str, bytes]]:
        """The chosen files, read: kind -> (name, bytes)."""
        return {
            kind: (upload.name, upload.read())
            for kind in COLUMNS
            if (upload := self.cleaned_data.get(kind)) is not None
        }


class ExportForm(forms.Form):
    content = forms.ChoiceField(choices=ExportContent.choices)


class MergeForm(forms.Form):
    """The merge, once the coordinator has compared the two files."""

    token = TokenField()
    kept_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    removed_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label="J'ai vérifié : ces deux dossiers sont ceux d'une seule et même personne.",
        error_messages={"required": "Cochez la case pour confirmer qu'il s'agit de la même personne."},
    )


class ComparePairForm(forms.Form):
    """Two file references, to compare files the duplicate list does not show."""

    first = forms.CharField(label="Référence du premier dossier", max_length=20)
    second = forms.CharField(label="Référence du second dossier", max_length=20)

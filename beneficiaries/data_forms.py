"""Forms of the data pages (import, export, merge): coordination only."""

from django import forms
from django.conf import settings
from django.utils.formats import date_format

from core.forms import AsciiIntegerField
from core.params import ascii_int
from core.spreadsheets import TooLarge, measure_sheet
from core.submissions import TokenField

from .enums import ExportContent, ExportFormat
from .imports import COLUMNS, FILE_LABELS, NEW_PERSON, REQUIRED_COLUMNS, Decisions, LikelyDuplicate


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


class ImportForm(forms.Form):
    """One to seven files: persons, sessions, visits, referrals, outcomes, workshops and
    their registrations.

    Each file is bounded here, before anything parses it: its size (before it is
    read), then its rows and columns and, for a workbook, its zip parts
    (`core.spreadsheets.measure_sheet`, which keeps nothing). A file past a bound
    is refused on this form, and nothing is kept.
    """

    token = TokenField()
    beneficiaries = forms.FileField(label="Fichier des personnes", required=False)
    sessions = forms.FileField(label="Fichier des permanences", required=False)
    visits = forms.FileField(label="Fichier des rendez-vous", required=False)
    referrals = forms.FileField(label="Fichier des orientations", required=False)
    outcomes = forms.FileField(label="Fichier des sorties", required=False)
    workshops = forms.FileField(label="Fichier des ateliers", required=False)
    registrations = forms.FileField(label="Fichier des inscriptions aux ateliers", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in COLUMNS:
            field = self.fields[kind]
            required = ", ".join(REQUIRED_COLUMNS[kind])
            others = ", ".join(name for name in COLUMNS[kind] if name not in REQUIRED_COLUMNS[kind])
            field.help_text = f"Colonnes obligatoires : {required} ; facultatives : {others}."
            field.widget.attrs["accept"] = ".csv,.xlsx,text/csv"
            field.error_messages["empty"] = "Ce fichier est vide."

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in COLUMNS):
            labels = ", ".join(FILE_LABELS.values())
            raise forms.ValidationError(f"Choisissez au moins un fichier : {labels}.")
        self.read_files: dict[str, tuple[str, bytes]] = {}
        self.rows = 0
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        for kind in COLUMNS:
            upload = data.get(kind)
            if not upload:
                continue
            if upload.size > limit:
                self.add_error(
                    kind,
                    f"Fichier trop volumineux ({_size(upload.size)}) : {_size(limit)} au plus. "
                    "Découpez-le (par année par exemple) ou faites-le importer par la commande "
                    "import_activity.",
                )
                continue
            content = upload.read()
            try:
                self.rows += measure_sheet(content) or 0
            except TooLarge as refused:
                self.add_error(kind, str(refused))
                continue
            self.read_files[kind] = (upload.name, content)
        return data

    def files_read(self) -> dict[str, tuple[str, bytes]]:
        """The chosen files, read: kind -> (name, bytes)."""
        return self.read_files


def _person(last_name: str, first_name: str, birth_date, phone: str) -> str:
    born = f"né·e le {date_format(birth_date, 'd/m/Y')}" if birth_date else "date de naissance inconnue"
    return f"{last_name.upper()} {first_name}, {born}{f', {phone}' if phone else ''}"


class DuplicateDecisionsForm(forms.Form):
    """For each row of the persons file that looks like stored files: a new person, or
    which file it is. Nothing is chosen in advance; `create_anyway` answers « new
    person » for every row left without a choice."""

    create_anyway = forms.BooleanField(
        label="Pour chaque ligne laissée sans choix, créer un nouveau dossier",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, rows: list[LikelyDuplicate], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            choices = [(NEW_PERSON, "Une autre personne : créer un nouveau dossier")]
            for candidate in row.candidates:
                who = _person(
                    candidate.last_name, candidate.first_name, candidate.birth_date, candidate.phone
                )
                if candidate.last_visit:
                    who += f", dernier rendez-vous le {date_format(candidate.last_visit, 'd/m/Y')}"
                label = f"La même personne que le dossier {candidate.ref} : {who} ({candidate.reasons})"
                choices.append((str(candidate.pk), label))
            initial = None if row.decision is None else str(row.decision)
            self.fields[self.name(row)] = forms.ChoiceField(
                label=f"Ligne {row.line}{f' (référence {row.ref})' if row.ref else ''} : "
                f"{_person(row.last_name, row.first_name, row.birth_date, row.phone)}",
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=initial,
            )

    @staticmethod
    def name(row: LikelyDuplicate) -> str:
        return f"choix-{row.line}"

    def row_fields(self):
        return [self[self.name(row)] for row in self.rows]

    def clean(self):
        data = super().clean()
        if not data.get("create_anyway"):
            for row in self.rows:
                if not data.get(self.name(row)):
                    self.add_error(
                        self.name(row),
                        f"Ligne {row.line} du fichier des personnes : choisissez « une autre personne » "
                        "ou le dossier qui est le sien.",
                    )
        return data


def decisions_from_post(post) -> Decisions:
    """The decisions a preview form sent, read before the files are planned again."""
    choices = {}
    for key, value in post.items():
        line = key.removeprefix("choix-")
        if line != key and ascii_int(line) is not None and value:
            choices[ascii_int(line)] = value
    return Decisions(choices=choices, create_anyway=post.get("create_anyway") == "on")


class ExportForm(forms.Form):
    content = forms.ChoiceField(choices=ExportContent.choices)
    format = forms.ChoiceField(choices=ExportFormat.choices, required=False)

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or ExportFormat.CSV


class MergeForm(forms.Form):
    """The merge, once the coordinator has compared the two files."""

    token = TokenField()
    kept_version = AsciiIntegerField(widget=forms.HiddenInput, min_value=1)
    removed_version = AsciiIntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label="J'ai vérifié : ces deux dossiers sont ceux d'une seule et même personne.",
        error_messages={"required": "Cochez la case pour confirmer qu'il s'agit de la même personne."},
    )


class ComparePairForm(forms.Form):
    """Two file references, to compare files the duplicate list does not show."""

    first = forms.CharField(label="Référence du premier dossier", max_length=20)
    second = forms.CharField(label="Référence du second dossier", max_length=20)

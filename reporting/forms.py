from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from core.forms import AsciiIntegerField
from core.params import ascii_int
from core.submissions import TokenField
from permanences.models import Quarter, Venue

from .bilan import FIRST_YEAR
from .report import Source
from .services import BilanError, check_publishable


def default_year() -> int:
    """The last full year: the one a bilan is usually asked for."""
    return timezone.localdate().year - 1


class YearField(forms.TypedChoiceField):
    """A year among those offered, or any plausible year typed in the address."""

    def __init__(self, **kwargs):
        super().__init__(
            coerce=int,
            empty_value=None,
            error_messages={
                "invalid_choice": "Année inconnue : choisissez une année dans la liste "
                "(l'année dernière est affichée)."
            },
            **kwargs,
        )

    def valid_value(self, value):
        year = ascii_int(value)
        return year is not None and FIRST_YEAR <= year <= timezone.localdate().year


class BilanForm(forms.Form):
    """Which bilan to show: a year, optionally one venue or one quarter, and which figures."""

    year = YearField(label="Année", required=False)
    venue = forms.ModelChoiceField(
        label="Lieu d'accueil",
        queryset=Venue.objects.order_by("name"),
        required=False,
        empty_label="Tous les lieux",
        error_messages={"invalid_choice": "Lieu d'accueil inconnu : le bilan de tous les lieux est affiché."},
    )
    quarter = forms.ModelChoiceField(
        label="Quartier des lieux",
        queryset=Quarter.objects.order_by("name"),
        required=False,
        empty_label="Tous les quartiers",
        error_messages={"invalid_choice": "Quartier inconnu : le bilan de tous les lieux est affiché."},
    )
    chiffres = forms.TypedChoiceField(
        label="Chiffres",
        choices=[(Source.PUBLISHED.value, "Publiés"), (Source.LIVE.value, "Du jour")],
        coerce=Source,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in reversed(years)]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    @classmethod
    def showing(cls, choice: dict, *, years: list[int]) -> "BilanForm":
        """An unbound form whose selects show `choice` (what is displayed)."""
        year = choice["year"]
        return cls(
            initial={**choice, "chiffres": choice["source"]},
            years=sorted({*years, year}),
        )

    def error_messages(self) -> list[str]:
        if not self.is_bound or self.is_valid():
            return []
        return [error for errors in self.errors.values() for error in errors]

    def clean(self):
        data = super().clean()
        if data.get("venue") and data.get("quarter"):
            raise forms.ValidationError(
                "Choisissez un lieu ou un quartier, pas les deux : le bilan de tous les lieux est affiché."
            )
        return data

    def choice(self) -> dict:
        """The valid choices, each invalid one replaced by its default (its error is shown)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = dict(self.cleaned_data)
            if NON_FIELD_ERRORS in self.errors:
                data["venue"] = data["quarter"] = None
        return {
            "year": data.get("year") or default_year(),
            "venue": data.get("venue"),
            "quarter": data.get("quarter"),
            "source": data.get("chiffres"),
        }


class PublishForm(forms.Form):
    year = AsciiIntegerField(widget=forms.HiddenInput, min_value=FIRST_YEAR)
    note = forms.CharField(
        label="Commentaire (facultatif)",
        max_length=255,
        required=False,
        help_text="Par exemple : « Bilan présenté au conseil municipal du 12 mars ».",
    )
    token = TokenField()

    def clean_year(self):
        return publishable_year(self.cleaned_data["year"])


def publishable_year(year: int) -> int:
    """The service's check (reporting/services.py), as a form error."""
    try:
        return check_publishable(year)
    except BilanError as error:
        raise forms.ValidationError(str(error)) from error

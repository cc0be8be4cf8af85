from django import forms
from django.utils import timezone


class YearForm(forms.Form):
    year = forms.IntegerField(
        label="Année",
        min_value=2000,
        error_messages={"invalid": "Saisissez une année, par exemple 2020."},
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError("Cette année n'a pas encore commencé.")
        return year

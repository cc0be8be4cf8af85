import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.dates import EARLIEST_ACTIVITY
from core.enums import Role
from core.forms import AsciiModelChoiceField, TypedDateField, TypedTimeField
from core.params import ascii_int
from core.submissions import TokenField, new_token

from .enums import PermanenceStatus
from .models import Venue


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=255,
        help_text="Par exemple : lieu fermé, conseillère absente. Le motif est affiché sur la page publique.",
    )


class HoursInOrder:
    """A form whose end_time must come after its start_time."""

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        return data


class AdHocForm(HoursInOrder, forms.Form):
    """Open a session today at a venue, outside the weekly slots."""

    venue = AsciiModelChoiceField(
        label="Lieu d'accueil",
        queryset=Venue.objects.active().select_related("quarter"),
        empty_label="Choisir un lieu",
        error_messages={"invalid_choice": "Ce lieu n'existe pas ou n'est plus actif."},
    )
    start_time = TypedTimeField(label="Début")
    end_time = TypedTimeField(label="Fin")
    token = TokenField()

    @staticmethod
    def initial(now: datetime.datetime) -> dict:
        """Now to three hours later, and the form's one-time token."""
        start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        end = min(start + datetime.timedelta(hours=3), start.replace(hour=23, minute=30))
        return {"start_time": start.time(), "end_time": end.time(), "token": new_token()}


# --- the planning of coordination -------------------------------------------

# How far a date typed in the planning may go: a session is planned at most
# this far ahead, and no week before the first year of records (core.dates) is shown.
EARLIEST = EARLIEST_ACTIVITY
AHEAD = datetime.timedelta(days=2 * 366)


class CounsellorsField(forms.ModelMultipleChoiceField):
    """The counsellors of a session: accounts of counsellors and coordination."""

    def __init__(self, **kwargs):
        queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[Role.CONSEILLER, Role.COORDINATION])
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        super().__init__(
            queryset=queryset,
            label="Conseillers",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": "Ce conseiller n'existe pas ou n'a plus de compte actif.",
                "invalid_pk_value": "Ce conseiller n'existe pas ou n'a plus de compte actif.",
                "invalid_list": "Choisissez des conseillers dans la liste.",
            },
            **kwargs,
        )

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()

    def clean(self, value):
        if isinstance(value, list | tuple) and any(ascii_int(pk) is None for pk in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class PlanningDateField(TypedDateField):
    """A typed date within what the planning shows."""

    default_error_messages = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST <= value <= timezone.localdate() + AHEAD:
            raise forms.ValidationError(
                f"Choisissez une date entre le {EARLIEST:%d/%m/%Y} et deux ans à partir d'aujourd'hui."
            )


def time_field(label: str) -> forms.TimeField:
    return TypedTimeField(label=label)


class SessionForm(HoursInOrder, forms.Form):
    """Date, hours and counsellors of a session."""

    date = PlanningDateField(label="Date")
    start_time = time_field("Début")
    end_time = time_field("Fin")
    counsellors = CounsellorsField()


class SessionAddForm(SessionForm):
    """An exceptional session, outside the weekly slots."""

    venue = AsciiModelChoiceField(
        label="Lieu d'accueil",
        queryset=Venue.objects.active().select_related("quarter"),
        empty_label="Choisir un lieu",
        error_messages={"invalid_choice": "Ce lieu n'existe pas ou n'est plus actif."},
    )
    token = TokenField()

    field_order = ["venue", "date", "start_time", "end_time", "counsellors"]


class SessionStateField(forms.CharField):
    """What the form showed of the session (services.session_state), hidden."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(
            max_length=64, error_messages={"required": "Formulaire expiré : rechargez la page."}, **kwargs
        )


class SessionEditForm(SessionForm):
    state = SessionStateField()


class PlanningCancelForm(CancelForm):
    state = SessionStateField()


class CloseForm(forms.Form):
    """What became of a past session left "planned": one click from the data-quality panel."""

    status = forms.ChoiceField(
        label="Statut",
        choices=[(PermanenceStatus.HELD, "Tenue"), (PermanenceStatus.CANCELLED, "Annulée")],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez « tenue » ou « annulée »."},
    )
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=255,
        required=False,
        help_text="Seulement si elle n'a pas eu lieu.",
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == PermanenceStatus.CANCELLED and data.get("reason") == "":
            self.add_error("reason", "Indiquez le motif de l'annulation.")
        return data


class PlanningWeekForm(forms.Form):
    """Which week and which venue the planning shows; a wrong value shows the default, said."""

    semaine = PlanningDateField(label="Semaine du", required=False)
    lieu = AsciiModelChoiceField(
        label="Lieu d'accueil",
        queryset=Venue.objects.active(),
        required=False,
        empty_label="Tous les lieux",
        error_messages={"invalid_choice": "Lieu inconnu ou fermé : tous les lieux sont affichés."},
    )

    def choice(self, today: datetime.date) -> tuple[datetime.date, Venue | None]:
        """The Monday of the week asked (this week by default) and the venue, if one.
        A field with an error is left out of cleaned_data: its default is shown."""
        self.is_valid()
        day = self.cleaned_data.get("semaine") or today
        return day - datetime.timedelta(days=day.weekday()), self.cleaned_data.get("lieu")

    def error_messages(self) -> list[str]:
        return [error for errors in self.errors.values() for error in errors]

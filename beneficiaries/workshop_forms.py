"""Forms of the workshops: create or change one, register a person, mark attendance.

They validate and normalise; workshop_services.py writes. Numbers and times are
read with the digits 0-9 only ("²", "١٢" are refused with a French message).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.enums import Role
from core.forms import AsciiIntegerField, TypedDateField, TypedTimeField
from core.submissions import TokenField
from permanences.models import Venue

from .bounds import MAX_CAPACITY, MIN_CAPACITY, capacity_problem, workshop_date_problem
from .enums import AttendanceMark, WorkshopStatus
from .models import Workshop, WorkshopRegistration, WorkshopTheme


def time_field(label: str) -> TypedTimeField:
    return TypedTimeField(
        label=label, error_messages={"invalid": "Heure invalide : saisissez-la sous la forme HH:MM (14:30)."}
    )


def counsellors():
    """The accounts that may run a workshop: counsellors and coordination, still active."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.CONSEILLER, Role.COORDINATION])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class CounsellorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class WorkshopForm(forms.ModelForm):
    """A workshop: theme, venue, day and times, places, and who runs it (a counsellor,
    or the name of a partner's facilitator)."""

    date = TypedDateField(label="Date")
    start_time = time_field("Début")
    end_time = time_field("Fin")
    capacity = AsciiIntegerField(
        label="Capacité (places)",
        min_value=MIN_CAPACITY,
        max_value=MAX_CAPACITY,
        help_text=f"De {MIN_CAPACITY} à {MAX_CAPACITY} places ; "
        "au-delà, les inscriptions vont en liste d'attente.",
        error_messages={
            "min_value": capacity_problem(0),
            "max_value": capacity_problem(MAX_CAPACITY + 1),
            "required": "Indiquez le nombre de places.",
        },
    )
    facilitator = CounsellorChoiceField(
        label="Animé par un conseiller ou une conseillère",
        queryset=counsellors(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Ce compte n'existe pas ou ne peut pas animer d'atelier."},
    )

    class Meta:
        model = Workshop
        fields = [
            "theme",
            "venue",
            "date",
            "start_time",
            "end_time",
            "capacity",
            "facilitator",
            "facilitator_name",
        ]
        error_messages = {
            "theme": {
                "invalid_choice": "Thème inconnu : choisissez dans la liste.",
                "required": "Choisissez le thème.",
            },
            "venue": {
                "invalid_choice": "Lieu inconnu : choisissez dans la liste.",
                "required": "Choisissez le lieu.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A workshop being changed keeps its theme and venue even if since retired.
        theme, venue = self.instance.theme_id, self.instance.venue_id
        self.fields["theme"].queryset = WorkshopTheme.objects.filter(
            is_active=True
        ) | WorkshopTheme.objects.filter(pk=theme)
        self.fields["venue"].queryset = (Venue.objects.active() | Venue.objects.filter(pk=venue)).order_by(
            "name"
        )
        self.fields["theme"].empty_label = self.fields["venue"].empty_label = "Choisir"
        self.fields["facilitator"].queryset = counsellors()

    def clean_date(self):
        day = self.cleaned_data["date"]
        if problem := workshop_date_problem(day, timezone.localdate()):
            raise forms.ValidationError(problem)
        return day

    def clean_facilitator_name(self):
        return " ".join(self.cleaned_data["facilitator_name"].split())

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        counsellor, name = data.get("facilitator"), data.get("facilitator_name")
        if "facilitator" in data and "facilitator_name" in data:
            if counsellor and name:
                self.add_error(
                    "facilitator_name", "Indiquez un conseiller ou le nom d'un intervenant, pas les deux."
                )
            elif not counsellor and not name:
                self.add_error(
                    "facilitator", "Indiquez qui anime l'atelier : un conseiller, ou le nom d'un intervenant."
                )
        return data

    def save_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class WorkshopCreateForm(WorkshopForm):
    token = TokenField()


class WorkshopEditForm(WorkshopForm):
    """Changing a workshop may also cancel it, with its reason."""

    status = forms.ChoiceField(
        label="Statut",
        choices=WorkshopStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Statut inconnu : programmé ou annulé."},
    )
    cancel_reason = forms.CharField(label="Motif d'annulation", max_length=255, required=False)

    def clean(self):
        data = super().clean()
        if data.get("status") == WorkshopStatus.CANCELLED and not data.get("cancel_reason", "").strip():
            self.add_error("cancel_reason", "Indiquez le motif de l'annulation.")
        if data.get("status") == WorkshopStatus.PLANNED:
            data["cancel_reason"] = ""
        return data

    def save_data(self) -> dict:
        data = super().save_data()
        data["status"], data["cancel_reason"] = (
            self.cleaned_data["status"],
            self.cleaned_data["cancel_reason"],
        )
        return data


class RegistrationForm(forms.Form):
    """Register a person (`beneficiary`) for a workshop; `present`: added at the door."""

    workshop = AsciiIntegerField(min_value=1, error_messages={"required": "Choisissez un atelier."})
    beneficiary = AsciiIntegerField(min_value=1, error_messages={"required": "Choisissez la personne."})
    present = forms.BooleanField(required=False)


ATTENDANCE_CHOICES = [
    (AttendanceMark.PRESENT, "Présent·e"),
    (AttendanceMark.ABSENT, "Absent·e"),
    (AttendanceMark.EXCUSED, "Excusé·e"),
    (AttendanceMark.NOT_MARKED, "Non notée"),
]


class AttendanceForm(forms.Form):
    """One choice per person with a place; an anonymised file's stays as it is."""

    def __init__(self, registrations: list[WorkshopRegistration], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.all_registrations = registrations
        self.registrations = [r for r in registrations if r.has_place]
        for registration in self.registrations:
            person = registration.beneficiary
            self.fields[self.name(registration)] = forms.ChoiceField(
                label=f"{person.last_name.upper()} {person.first_name}",
                choices=ATTENDANCE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=registration.attendance,
                disabled=person.anonymised_at is not None,
                error_messages={"invalid_choice": "Présence inconnue : présent·e, absent·e ou excusé·e."},
            )

    @staticmethod
    def name(registration: WorkshopRegistration) -> str:
        return f"presence-{registration.pk}"

    def rows(self) -> list[tuple[WorkshopRegistration, object, int | None]]:
        """Each registration with its attendance field, or for the waiting list
        (which comes last, in its order) no field and its rank."""
        rows, rank = [], 0
        for registration in self.all_registrations:
            if registration.has_place:
                rows.append((registration, self[self.name(registration)], None))
            else:
                rank += 1
                rows.append((registration, None, rank))
        return rows

    def marks(self) -> dict[int, str]:
        return {
            r.pk: self.cleaned_data[self.name(r)]
            for r in self.registrations
            if not self.fields[self.name(r)].disabled
        }

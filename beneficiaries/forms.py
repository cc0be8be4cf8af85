import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from core.enums import Role
from core.forms import (
    AsciiIntegerField,
    AsciiModelChoiceField,
    AsciiModelMultipleChoiceField,
    TypedDateField,
    TypedTimeField,
)
from core.roles import has_role, users_with_role
from core.submissions import TokenField
from core.templatetags.display import user_label
from permanences.models import Permanence, Quarter

from .bounds import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    NOTES_MAX_LENGTH,
    YEAR_AHEAD,
    birth_date_problem,
    outcome_end_problem,
    outcome_start_problem,
)
from .consent_forms import ConsentFields
from .enums import AnonymisationReason, OutcomeKind, Partner, ReferralStatus, Sex, TriState, WorkingTime
from .models import Beneficiary, Outcome, Topic, Visit
from .models.appointments import PURPOSE_MAX_LENGTH, time_refused


class BeneficiaryForm(ConsentFields, forms.ModelForm):
    """A person's file: names and sex required, everything else completable later;
    its consent to messages per channel (ConsentFields)."""

    birth_date = TypedDateField(label="Date de naissance", required=False)
    notice_given = forms.BooleanField(
        label="La notice d'information (RGPD) a été remise à la personne",
        required=False,
    )

    class Meta:
        model = Beneficiary
        fields = [
            "last_name",
            "first_name",
            "sex",
            "birth_date",
            "phone",
            "email",
            "quarter",
            "france_travail",
            "rsa",
            "rqth",
            "qualification_level",
        ]
        widgets = {
            "sex": forms.RadioSelect,
            "france_travail": forms.RadioSelect,
            "rsa": forms.RadioSelect,
            "rqth": forms.RadioSelect,
        }
        error_messages = {
            "sex": {"required": "Indiquez le sexe, ou « Non précisé »."},
            "last_name": {"required": "Le nom est obligatoire."},
            "first_name": {"required": "Le prénom est obligatoire."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].queryset = Quarter.objects.order_by("name")
        self.fields["quarter"].empty_label = "Hors des quartiers listés ou non renseigné"
        self.fields["quarter"].help_text = ""
        self.fields["sex"].choices = Sex.choices
        for name in ("france_travail", "rsa", "rqth"):
            self.fields[name].choices = [
                (TriState.UNKNOWN, "Non renseigné"),
                (TriState.YES, "Oui"),
                (TriState.NO, "Non"),
            ]
        # Health-related: the register of processing cites this instruction.
        self.fields["rqth"].help_text += " À ne renseigner qu'avec l'accord de la personne."
        self.fields["notice_given"].initial = bool(self.instance.notice_given_on)
        if self.instance.notice_given_on:
            self.fields["notice_given"].help_text = f"Remise le {self.instance.notice_given_on:%d/%m/%Y}."

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date is None:
            return None
        if problem := birth_date_problem(birth_date, timezone.localdate()):
            raise forms.ValidationError(problem)
        return birth_date

    def save_data(self) -> dict:
        """The cleaned values the services write, notice date included."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.cleaned_data["notice_given"]:
            data["notice_given_on"] = self.instance.notice_given_on or timezone.localdate()
        else:
            data["notice_given_on"] = None
        return data


class BeneficiaryCreateForm(BeneficiaryForm):
    token = TokenField()
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)


class BeneficiaryEditForm(BeneficiaryForm):
    version = AsciiIntegerField(widget=forms.HiddenInput, min_value=1)
    referent = AsciiModelChoiceField(
        label="Référent·e",
        queryset=users_with_role(Role.CONSEILLER),
        required=False,
        empty_label="Aucun·e référent·e",
        error_messages={
            "invalid_choice": "Référent·e inconnu·e : choisissez un conseiller ou une conseillère "
            "de la liste."
        },
    )

    class Meta(BeneficiaryForm.Meta):
        fields = [*BeneficiaryForm.Meta.fields, "referent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        referent = self.fields["referent"]
        referent.label_from_instance = user_label
        current = self.instance.referent if self.instance.referent_id else None
        if current is not None and not has_role(current, Role.CONSEILLER):
            # Not among the choices: saving the form leaves the file without a referent.
            referent.help_text = (
                f"{user_label(current)} n'est plus conseiller ou conseillère : choisissez un·e autre "
                "référent·e, ou laissez vide."
            )
        else:
            referent.help_text = (
                "Qui suit la personne ; tout conseiller peut la recevoir et ouvrir le dossier."
            )


class VisitForm(forms.ModelForm):
    token = TokenField()
    topics = AsciiModelMultipleChoiceField(
        label="Thèmes abordés",
        queryset=Topic.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Thème inconnu."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTES_MAX_LENGTH}),
        help_text="Faits objectifs uniquement, 2 000 caractères au plus : aucune information de santé, "
        "de vie privée, d'origine ou d'opinion.",
    )
    duration_minutes = AsciiIntegerField(
        label="Durée (minutes)",
        required=False,
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        error_messages={
            "min_value": f"La durée doit être d'au moins {MIN_DURATION_MINUTES} minute.",
            "max_value": f"La durée ne peut pas dépasser {MAX_DURATION_MINUTES} minutes.",
        },
    )
    next_step_due = TypedDateField(label="Échéance", required=False)

    class Meta:
        model = Visit
        fields = ["topics", "notes", "duration_minutes", "next_step", "next_step_due"]

    def clean_next_step_due(self):
        due = self.cleaned_data["next_step_due"]
        today = timezone.localdate()
        if due and not today <= due <= today + YEAR_AHEAD:
            raise forms.ValidationError("L'échéance doit être comprise entre aujourd'hui et dans un an.")
        return due

    def clean(self):
        data = super().clean()
        if data.get("next_step_due") and not data.get("next_step"):
            self.add_error("next_step", "Décrivez la prochaine étape avant de lui donner une échéance.")
        return data


class ReferralForm(forms.Form):
    partner = forms.ChoiceField(
        label="Partenaire",
        choices=[("", "—"), *Partner.choices],
        required=False,
        error_messages={"invalid_choice": "Partenaire inconnu."},
    )
    detail = forms.CharField(label="Précision", max_length=255, required=False)

    def clean(self):
        data = super().clean()
        if data.get("detail") and not data.get("partner"):
            self.add_error("partner", "Choisissez le partenaire de cette orientation.")
        return data


ReferralFormSet = forms.formset_factory(ReferralForm, extra=2, max_num=5, absolute_max=5, validate_max=True)


class OutcomeForm(forms.ModelForm):
    start_date = TypedDateField(label="Début")
    end_date = TypedDateField(label="Fin", required=False)
    end_unknown = forms.BooleanField(
        label="Date de fin inconnue : enregistrer sans elle",
        required=False,
    )

    class Meta:
        model = Outcome
        fields = ["kind", "start_date", "end_date", "working_time", "employer"]
        error_messages = {"kind": {"invalid_choice": "Type de sortie inconnu : choisissez dans la liste."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choisir"), *OutcomeKind.choices]
        self.fields["working_time"].choices = WorkingTime.choices
        self.fields["working_time"].required = False
        self.needs_end_confirmation = False

    def clean(self):
        data = super().clean()
        kind, start, end = data.get("kind"), data.get("start_date"), data.get("end_date")
        if start and (problem := outcome_start_problem(start, timezone.localdate())):
            self.add_error("start_date", problem)
        if start and end and (problem := outcome_end_problem(start, end)):
            self.add_error("end_date", problem)
        if kind in OutcomeKind.expecting_end_date() and start and not end and not data.get("end_unknown"):
            self.needs_end_confirmation = True
            self.add_error(
                "end_date",
                "La date de fin est attendue pour un CDD, un intérim ou une formation. "
                "Saisissez-la, ou cochez « Date de fin inconnue » : la sortie comptera quand même.",
            )
        return data


class OutcomeCreateForm(OutcomeForm):
    token = TokenField()


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(ReferralStatus.DONE, "Réalisée"), (ReferralStatus.NOT_TAKEN_UP, "Non suivie")],
        error_messages={"invalid_choice": "Suite inconnue."},
    )


class AnonymiseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif",
        choices=[(r.value, r.label) for r in AnonymisationReason if r != AnonymisationReason.RETENTION],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Motif inconnu."},
    )
    confirm = forms.BooleanField(
        label="Je confirme : les données identifiantes seront effacées définitivement.",
        error_messages={"required": "Cochez la case pour confirmer l'anonymisation."},
    )


def _shown(field, value) -> str:
    """A value as a conflict page shows it: a choice's label, a date dd/mm/yyyy, a list joined."""
    if field.many_to_many:
        return " ; ".join(str(item) for item in value) or "—"
    if field.choices and value in (labels := dict(field.flatchoices)):
        return str(labels[value])
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if field.name == "referent":
        return user_label(value)
    return str(value)


def changes(form, current) -> list[dict]:
    """Field by field: what the user typed (a valid form) and what is saved now, for
    the conflict page of an edit that someone else's save came before."""
    rows = []
    for name in form.Meta.fields:
        if name not in form.fields:
            continue
        field = current._meta.get_field(name)
        theirs = getattr(current, name).all() if field.many_to_many else getattr(current, name)
        mine, theirs = _shown(field, form.cleaned_data.get(name)), _shown(field, theirs)
        rows.append({"label": field.verbose_name, "mine": mine, "theirs": theirs, "differs": mine != theirs})
    return rows


class SessionChoiceField(AsciiModelChoiceField):
    """A coming session, named as a person reads it: "mardi 8 décembre · Maison X · 14h00–17h00"."""

    def label_from_instance(self, permanence) -> str:
        return (
            f"{date_format(permanence.date, 'l j F Y')} · {permanence.venue.name} · "
            f"{permanence.start_time:%H:%M}–{permanence.end_time:%H:%M}"
        )


class AppointmentForm(forms.Form):
    """Book a follow-up appointment. With `optional`, as a part of the visit form:
    left empty, nothing is booked."""

    permanence = SessionChoiceField(
        label="Permanence",
        queryset=Permanence.objects.none(),
        empty_label="— Choisir une permanence à venir —",
        error_messages={
            "invalid_choice": "Cette permanence n'est pas proposée : choisissez une permanence à venir.",
            "required": "Choisissez la permanence du rendez-vous.",
        },
    )
    time = TypedTimeField(
        label="Heure",
        error_messages={
            "invalid": "Heure invalide : saisissez-la sous la forme hh:mm.",
            "required": "Indiquez l'heure du rendez-vous.",
        },
    )
    purpose = forms.CharField(
        label="Objet",
        max_length=PURPOSE_MAX_LENGTH,
        required=False,
        help_text="Par exemple : « point sur la candidature », « apporter l'attestation ». "
        "Aucune information de santé ni de vie privée.",
    )

    def __init__(self, *args, sessions, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.optional = optional
        self.fields["permanence"].queryset = sessions
        if optional:
            for name in ("permanence", "time"):
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        permanence, time = data.get("permanence"), data.get("time")
        if self.optional and permanence is None:
            if time or data.get("purpose"):
                self.add_error("permanence", "Choisissez la permanence du rendez-vous de suivi.")
            return data
        if permanence is not None and time is None and "time" not in self.errors:
            self.add_error("time", "Indiquez l'heure du rendez-vous.")
        if permanence is not None and time is not None and (refused := time_refused(permanence, time)):
            self.add_error("time", refused)
        return data

    @property
    def booking(self) -> dict | None:
        """What to book (permanence, time, purpose), or None when left empty."""
        if self.cleaned_data.get("permanence") is None:
            return None
        return {name: self.cleaned_data[name] for name in ("permanence", "time", "purpose")}


class AppointmentCreateForm(AppointmentForm):
    """Book from the file: a form of its own, sent once (its token)."""

    token = TokenField()

"""The forms of corrections (a visit, a referral or an outcome edited or deleted,
with a reason and the version read), and of a referral made outside a visit."""

import datetime

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.forms import AsciiIntegerField, AsciiModelChoiceField, TypedDateField
from core.submissions import TokenField
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from .bounds import too_early_problem
from .enums import CorrectionReason, Partner, ReferralChannel, ReferralStatus
from .forms import OutcomeForm, VisitForm
from .models import Referral, Topic


class CorrectionFields(forms.Form):
    """What every correction sends: the version read, and why."""

    version = AsciiIntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "La version lue manque : rouvrez la page, puis recommencez.",
            "min_value": "Version inconnue : rouvrez la page, puis recommencez.",
        },
    )
    reason = forms.ChoiceField(
        label="Motif de la correction",
        choices=CorrectionReason.choices,
        widget=forms.RadioSelect,
        help_text="Noté au journal du dossier, avec votre nom et l'heure.",
        error_messages={
            "required": "Choisissez le motif de la correction.",
            "invalid_choice": "Motif inconnu : choisissez dans la liste.",
        },
    )


class DeleteForm(CorrectionFields):
    """Deleting a row: the version read and the reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Motif de la suppression"
        self.fields["reason"].error_messages["required"] = "Choisissez le motif de la suppression."


def _as_read(form, row) -> None:
    """A form for a row as saved: its values, and the version they were read at."""
    if not form.is_bound:
        form.initial["version"] = row.version


class VisitCorrectionForm(VisitForm, CorrectionFields):
    token = None
    permanence = AsciiModelChoiceField(
        label="Permanence",
        queryset=Permanence.objects.none(),
        help_text="Pour un rendez-vous noté dans la mauvaise permanence.",
        error_messages={
            "required": "Choisissez la permanence du rendez-vous.",
            "invalid_choice": "Permanence inconnue : choisissez dans la liste.",
        },
    )

    class Meta(VisitForm.Meta):
        fields = ["permanence", *VisitForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.instance
        _as_read(self, visit)
        # The sessions around the visit's day, held or planned, none to come.
        window = datetime.timedelta(days=settings.CORRECTION_WINDOW_DAYS)
        sessions = Permanence.objects.filter(
            date__gte=visit.date - window, date__lte=min(visit.date + window, timezone.localdate())
        ).exclude(status=PermanenceStatus.CANCELLED)
        field = self.fields["permanence"]
        field.queryset = (
            (sessions | Permanence.objects.filter(pk=visit.permanence_id))
            .select_related("venue")
            .order_by("-date", "start_time", "venue__name")
        )
        field.label_from_instance = lambda p: f"{p.date:%d/%m/%Y} — {p.venue.name} ({p.start_time:%H:%M})"
        # A topic no longer offered stays on the visit that has it.
        self.fields["topics"].queryset = Topic.objects.filter(
            Q(is_active=True) | Q(pk__in=[topic.pk for topic in visit.topics.all()])
        )

    def clean_next_step_due(self):
        due = self.cleaned_data["next_step_due"]
        if due is not None and due == self.instance.next_step_due:
            return due  # past, perhaps, but as it was recorded
        return super().clean_next_step_due()


class ReferralFields(forms.ModelForm):
    """A referral's partner, detail, channel and day, as typed from the file page."""

    partner = forms.ChoiceField(
        label="Partenaire",
        choices=[("", "Choisir"), *Partner.choices],
        error_messages={
            "required": "Choisissez le partenaire.",
            "invalid_choice": "Partenaire inconnu : choisissez dans la liste.",
        },
    )
    channel = forms.ChoiceField(
        label="Proposée",
        choices=ReferralChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez comment l'orientation a été proposée.",
            "invalid_choice": "Canal inconnu : choisissez dans la liste.",
        },
    )
    proposed_on = TypedDateField(
        label="Proposée le",
        error_messages={
            "required": "Indiquez le jour où l'orientation a été proposée.",
            "invalid": "Date invalide : saisissez-la sous la forme jj/mm/aaaa.",
        },
    )

    class Meta:
        model = Referral
        fields = ["partner", "detail", "channel", "proposed_on"]

    def clean_proposed_on(self):
        day = self.cleaned_data["proposed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("Une orientation ne peut pas être datée dans le futur.")
        if problem := too_early_problem(day, "Date de proposition"):
            raise forms.ValidationError(problem)
        return day


class ReferralRecordForm(ReferralFields):
    """A referral made outside a visit: by phone, by e-mail…"""

    token = TokenField()


class ReferralCorrectionForm(ReferralFields, CorrectionFields):
    checked_on = TypedDateField(label="Suite vérifiée le", required=False)

    class Meta(ReferralFields.Meta):
        fields = [*ReferralFields.Meta.fields, "status", "checked_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _as_read(self, self.instance)
        self.fields["status"].choices = ReferralStatus.choices
        self.fields["status"].error_messages["invalid_choice"] = "Suite inconnue : choisissez dans la liste."
        if self.instance.visit_id is not None:
            # Proposed during its visit, on its day: only what was proposed, and what came of it.
            del self.fields["channel"], self.fields["proposed_on"]
        elif not self.instance.channel:
            # Imported without one: it may stay unknown.
            self.fields["channel"].required = False
            self.fields["channel"].choices = [("", "Non précisé"), *ReferralChannel.choices]

    def clean(self):
        data = super().clean()
        status, checked = data.get("status"), data.get("checked_on")
        proposed = data.get("proposed_on", self.instance.proposed_on)
        if status == ReferralStatus.PROPOSED:
            data["checked_on"] = None
        elif status and checked is None and "checked_on" not in self.errors:
            self.add_error("checked_on", "Indiquez la date à laquelle la suite a été vérifiée.")
        elif checked and checked > timezone.localdate():
            self.add_error("checked_on", "La suite ne peut pas être vérifiée dans le futur.")
        elif checked and proposed and checked < proposed:
            self.add_error("checked_on", "La suite ne peut pas être vérifiée avant la proposition.")
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.Meta.fields}


class OutcomeCorrectionForm(OutcomeForm, CorrectionFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _as_read(self, self.instance)

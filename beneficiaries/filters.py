"""Filters of the person and visit lists, sortable on an allow-list of columns."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core.enums import Role
from core.forms import TypedDateField
from permanences.models import Permanence, Quarter, Venue

from .enums import QualityCheck, TriState
from .models import Beneficiary, Outcome, Visit, Workshop, WorkshopTheme
from .quality import Period, person_condition

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "jj/mm/aaaa"})
TRI_STATE_CHOICES = [(TriState.YES, "Oui"), (TriState.NO, "Non"), ("inconnu", "Non renseigné")]


class DateFilter(django_filters.DateFilter):
    """A date typed jj/mm/aaaa or aaaa-mm-jj, read as the forms read it."""

    field_class = TypedDateField

    def __init__(self, **kwargs):
        super().__init__(widget=DATE_WIDGET, **kwargs)


class OrderingFilter(django_filters.OrderingFilter):
    """Sorting on an allow-list of columns; empty values last in both directions."""

    def get_ordering_value(self, param):
        field = super().get_ordering_value(param)
        if field.startswith("-"):
            return F(field[1:]).desc(nulls_last=True)
        return F(field).asc(nulls_last=True)


class TriStateFilter(django_filters.ChoiceFilter):
    def __init__(self, **kwargs):
        super().__init__(choices=TRI_STATE_CHOICES, empty_label="Tous", **kwargs)

    def filter(self, qs, value):
        if value == "inconnu":
            return qs.filter(**{self.field_name: TriState.UNKNOWN})
        return super().filter(qs, value)


class PersonFilter(django_filters.FilterSet):
    quarter = django_filters.ModelChoiceFilter(
        label="Quartier de résidence",
        queryset=Quarter.objects.all(),
        empty_label="Tous",
    )
    venue = django_filters.ModelChoiceFilter(
        label="Reçue au lieu",
        queryset=Venue.objects.all(),
        method="filter_venue",
        empty_label="Tous",
    )
    france_travail = TriStateFilter(label="Inscrite à France Travail")
    rsa = TriStateFilter(label="Bénéficiaire du RSA")
    rqth = TriStateFilter(label="RQTH")
    seen_from = DateFilter(label="Reçue à partir du", method="filter_seen")
    seen_until = DateFilter(label="Reçue jusqu'au", method="filter_seen")
    has_outcome = django_filters.BooleanFilter(
        label="A une sortie",
        method="filter_has_outcome",
        widget=forms.Select(choices=[("", "Toutes"), ("true", "Oui"), ("false", "Non")]),
    )
    qualite = django_filters.ChoiceFilter(
        label="Qualité des données",
        choices=QualityCheck.choices,
        method="filter_quality",
        empty_label="Tous les dossiers",
    )
    order = OrderingFilter(
        label="Trier par",
        fields=(
            ("search_key", "nom"),
            ("ref", "ref"),
            ("birth_date", "naissance"),
            ("last_visit", "dernier_rdv"),
        ),
        field_labels={
            "search_key": "Nom",
            "ref": "Référence",
            "birth_date": "Date de naissance",
            "last_visit": "Dernier rendez-vous",
        },
        empty_label="Nom (par défaut)",
    )

    class Meta:
        model = Beneficiary
        fields = []

    def filter_venue(self, queryset, name, venue):
        return queryset.filter(
            Exists(Visit.objects.filter(beneficiary=OuterRef("pk"), permanence__venue=venue))
        )

    def filter_seen(self, queryset, name, value):
        # Both bounds apply to one visit: "seen at least once in the period".
        data = self.form.cleaned_data
        visits = Visit.objects.filter(beneficiary=OuterRef("pk"))
        if data.get("seen_from"):
            visits = visits.filter(date__gte=data["seen_from"])
        if data.get("seen_until"):
            visits = visits.filter(date__lte=data["seen_until"])
        if name == "seen_until" and data.get("seen_from"):
            return queryset  # already applied with seen_from
        return queryset.filter(Exists(visits))

    def filter_has_outcome(self, queryset, name, value):
        has = Exists(Outcome.objects.filter(beneficiary=OuterRef("pk")))
        return queryset.filter(has if value else ~has)

    def filter_quality(self, queryset, name, value):
        # The "reçue du … au …" period also bounds the dated thing checked
        # (visit, CDD, referral), as on the data-quality panel.
        data = self.form.cleaned_data
        period = Period(start=data.get("seen_from"), end=data.get("seen_until"))
        return queryset.filter(
            person_condition(QualityCheck(value), today=timezone.localdate(), period=period)
        )


class VisitFilter(django_filters.FilterSet):
    permanence = django_filters.ModelChoiceFilter(
        label="Permanence",
        queryset=Permanence.objects.select_related("venue"),
        widget=forms.HiddenInput,
    )
    venue = django_filters.ModelChoiceFilter(
        label="Lieu", field_name="permanence__venue", queryset=Venue.objects.all(), empty_label="Tous"
    )
    counsellor = django_filters.ModelChoiceFilter(
        label="Reçue par",
        queryset=get_user_model()
        .objects.filter(groups__name__in=[Role.CONSEILLER, Role.COORDINATION])
        .distinct(),
        empty_label="Tous",
    )
    date_from = DateFilter(label="Du", field_name="date", lookup_expr="gte")
    date_until = DateFilter(label="Au", field_name="date", lookup_expr="lte")
    order = OrderingFilter(
        label="Trier par",
        fields=(
            ("date", "date"),
            ("beneficiary__search_key", "personne"),
            ("permanence__venue__name", "lieu"),
        ),
        field_labels={
            "date": "Date",
            "beneficiary__search_key": "Personne",
            "permanence__venue__name": "Lieu",
        },
        empty_label="Date, plus récents d'abord",
    )

    class Meta:
        model = Visit
        fields = []


class CaseloadFilter(django_filters.FilterSet):
    """Mes personnes: all of one's caseload, or only a part of it."""

    FOLLOW_UP, NEXT_STEP, OPEN_REFERRAL = "a_relancer", "etape", "orientation"

    situation = django_filters.ChoiceFilter(
        label="Afficher",
        choices=[
            (FOLLOW_UP, "À relancer seulement"),
            (NEXT_STEP, "Avec une prochaine étape à faire"),
            (OPEN_REFERRAL, "Avec une orientation en cours"),
        ],
        empty_label="Tout mon portefeuille",
        method="filter_situation",
        error_messages={"invalid_choice": "Choix inconnu : choisissez dans la liste."},
    )

    class Meta:
        model = Beneficiary
        fields = []

    def filter_situation(self, queryset, name, value):
        if value == self.FOLLOW_UP:
            # The persons of the À relancer page, with its rules.
            return queryset.filter(pk__in=Beneficiary.objects.to_follow_up(timezone.localdate()).values("pk"))
        if value == self.NEXT_STEP:
            return queryset.filter(Q(next_step_text__isnull=False))
        return queryset.filter(open_referrals__gt=0)


class WorkshopFilter(django_filters.FilterSet):
    """Coming workshops by default (the next first); past ones, the latest first."""

    period = django_filters.ChoiceFilter(
        label="Période",
        choices=[("a_venir", "À venir (dont aujourd'hui)"), ("passes", "Passés")],
        method="filter_period",
        empty_label="Tous",
    )
    venue = django_filters.ModelChoiceFilter(label="Lieu", queryset=Venue.objects.all(), empty_label="Tous")
    theme = django_filters.ModelChoiceFilter(
        label="Thème", queryset=WorkshopTheme.objects.all(), empty_label="Tous"
    )
    date_from = DateFilter(label="Du", field_name="date", lookup_expr="gte")
    date_until = DateFilter(label="Au", field_name="date", lookup_expr="lte")

    class Meta:
        model = Workshop
        fields = []

    def filter_period(self, queryset, name, value):
        today = timezone.localdate()
        if value == "passes":
            return queryset.filter(date__lt=today).order_by("-date", "-start_time", "pk")
        return queryset.filter(date__gte=today).order_by("date", "start_time", "pk")

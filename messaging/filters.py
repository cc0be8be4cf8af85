"""The messages page's filters: channel, kind, status, and the days they were queued."""

import django_filters

from beneficiaries.filters import DateFilter

from .enums import Channel, Kind, Status
from .models import Message


def _choice(label: str, choices, **kwargs) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label=label,
        choices=choices,
        empty_label="Tous",
        error_messages={"invalid_choice": "Choix inconnu : choisissez dans la liste."},
        **kwargs,
    )


class MessageFilter(django_filters.FilterSet):
    channel = _choice("Canal", Channel.choices)
    kind = _choice("Objet", Kind.choices)
    status = _choice("État", Status.choices)
    date_from = DateFilter(label="Mis en file du", field_name="created_at", lookup_expr="date__gte")
    date_until = DateFilter(label="au", field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Message
        fields = []

from django.db import models


class VenueKind(models.TextChoices):
    MAISON_DE_QUARTIER = "maison_de_quartier", "Maison de quartier"
    CENTRE_SOCIAL = "centre_social", "Centre social"
    ANTENNE = "antenne", "Antenne de quartier"
    AUTRE = "autre", "Autre lieu"


class Weekday(models.IntegerChoices):
    """Python's date.weekday() numbering: Monday is 0."""

    MONDAY = 0, "Lundi"
    TUESDAY = 1, "Mardi"
    WEDNESDAY = 2, "Mercredi"
    THURSDAY = 3, "Jeudi"
    FRIDAY = 4, "Vendredi"
    SATURDAY = 5, "Samedi"
    SUNDAY = 6, "Dimanche"


class PermanenceStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    HELD = "held", "Tenue"
    CANCELLED = "cancelled", "Annulée"

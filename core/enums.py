from django.db import models


class Role(models.TextChoices):
    """The roles of DESIGN.md, each a Django group of the same name."""

    CONSEILLER = "conseiller", "Conseiller ou conseillère"
    COORDINATION = "coordination", "Coordination"
    VILLE = "ville", "Ville"

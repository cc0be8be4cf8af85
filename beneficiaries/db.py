"""Database expressions the models' constraints use."""

from django.db import models


class DatabaseTomorrow(models.Func):
    """The database server's current date plus one day.

    Used as the bound of "not in the future" constraints: the database clock
    runs in UTC while visits are dated in Europe/Paris, so the exact bound
    (today in Paris) is enforced by forms and services, and the database only
    refuses what is certainly in the future.
    """

    template = "(CURRENT_DATE + 1)"
    output_field = models.DateField()

    def __init__(self):
        super().__init__()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "date(CURRENT_DATE, '+1 day')", []

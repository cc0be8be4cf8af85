"""Database expressions the bilan's queries use."""

from django.db import models


class BitOr(models.Aggregate):
    """The bitwise OR of a group's values, 0 for an empty group.

    The bilan ORs one bit per venue (or month) a person was seen at: a set of
    venues in one integer, so that one pass over the visits tells every
    venue's distinct persons. PostgreSQL has `bit_or`; for powers of two the
    sum of the distinct values is the same, which is what SQLite (the demo) runs.
    """

    function = "BIT_OR"
    name = "BitOr"
    output_field = models.BigIntegerField()
    empty_result_set_value = 0

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, function="SUM", template="%(function)s(DISTINCT %(expressions)s)"
        )

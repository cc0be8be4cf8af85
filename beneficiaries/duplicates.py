"""Likely duplicate files: pairs of persons who may be one.

A pair shares its birth date or its phone number, and has the same
normalised names (the search key) or, on PostgreSQL, close ones (pg_trgm
similarity of at least `SIMILARITY`, which also catches first and last names
swapped). Self-joins on birth date and on phone, each an equality join, so
that the query stays fast with tens of thousands of files. A pair that
coordination found to be two persons (`DistinctPair`) is not listed again.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Min

from .models import Beneficiary, DistinctPair

SIMILARITY = 0.5


@dataclass(frozen=True)
class DuplicatePair:
    first_id: int
    second_id: int
    same_names: bool
    same_birth_date: bool
    same_phone: bool
    similarity: float

    @property
    def reasons(self) -> str:
        names = "Mêmes nom et prénom" if self.same_names else "Noms proches"
        shared = [
            label
            for label, same in (("date de naissance", self.same_birth_date), ("téléphone", self.same_phone))
            if same
        ]
        return f"{names}, même {' et même '.join(shared)}."


_PAIRS_SQL = """
WITH pairs AS (
    SELECT a.id AS first_id, b.id AS second_id
    FROM {table} a JOIN {table} b ON b.birth_date = a.birth_date AND b.id > a.id
    WHERE a.anonymised_at IS NULL AND b.anonymised_at IS NULL AND (a.search_key = b.search_key {close})
    UNION
    SELECT a.id, b.id
    FROM {table} a JOIN {table} b ON b.phone = a.phone AND b.id > a.id
    WHERE a.phone <> '' AND a.anonymised_at IS NULL AND b.anonymised_at IS NULL
      AND (a.search_key = b.search_key {close})
)
SELECT p.first_id, p.second_id,
       a.search_key = b.search_key,
       COALESCE(a.birth_date = b.birth_date, FALSE),
       a.phone <> '' AND a.phone = b.phone,
       {similarity}
FROM pairs p
JOIN {table} a ON a.id = p.first_id
JOIN {table} b ON b.id = p.second_id
WHERE NOT EXISTS (
    SELECT 1 FROM {distinct} d WHERE d.first_id = p.first_id AND d.second_id = p.second_id
)
ORDER BY 3 DESC, 4 DESC, 6 DESC, p.first_id, p.second_id
"""


def duplicate_pairs() -> list[DuplicatePair]:
    """Every likely duplicate pair not yet found to be two persons, the surest first (one query)."""
    if connection.vendor == "postgresql":
        close = "OR similarity(a.search_key, b.search_key) >= %s"
        similarity = "similarity(a.search_key, b.search_key)"
        params = [SIMILARITY, SIMILARITY]
    else:
        close, similarity, params = "", "1.0", []
    sql = _PAIRS_SQL.format(
        table=connection.ops.quote_name(Beneficiary._meta.db_table),
        distinct=connection.ops.quote_name(DistinctPair._meta.db_table),
        close=close,
        similarity=similarity,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            DuplicatePair(first, second, bool(names), bool(birth), bool(phone), float(score))
            for first, second, names, birth, phone, score in cursor.fetchall()
        ]


def persons_for_pairs(pairs: list[DuplicatePair]) -> dict[int, Beneficiary]:
    """The persons of these pairs with what the list shows (one query)."""
    ids = {pk for pair in pairs for pk in (pair.first_id, pair.second_id)}
    persons = (
        Beneficiary.objects.filter(pk__in=ids)
        .select_related("quarter")
        .annotate(visit_count=Count("visits"), last_visit=Max("visits__date"))
    )
    return {person.pk: person for person in persons}


def with_activity(queryset):
    """Annotate what the merge page compares besides the fields: each file's activity."""
    return queryset.select_related("quarter", "referent").annotate(
        visit_count=Count("visits", distinct=True),
        first_visit=Min("visits__date"),
        last_visit=Max("visits__date"),
        referral_count=Count("referrals", distinct=True),
        outcome_count=Count("outcomes", distinct=True),
    )

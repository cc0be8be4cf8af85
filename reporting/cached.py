"""Figures kept in the shared cache, never stale.

The database keeps a version of the data the figures are computed from
(migration 0007_data_version): every committed write to those tables advances
it in the same commit. Figures are stored under the version read *before*
computing them: a write committed before that read is in them; one committed
after it advances the version, so that nobody reads them again once that
write is visible. Figures computed while another transaction is committing
are not stored (that commit may carry a smaller number than the one read);
a transaction with uncommitted writes of its own neither reads nor stores.
Why this design: docs/BILAN.md, « Comment le bilan est calculé ».

The cache is the `reporting` alias of settings.CACHES: a table of the
database, shared by every app server. On SQLite (the demo, one process),
nothing is cached.
"""

from collections.abc import Callable
from dataclasses import dataclass

import django
from django.core.cache import caches
from django.db import connection

CACHE = "reporting"
# Part of every key: a change of what is stored (the bilan's JSON keys, the
# panel's counts) or of Django changes the keys, so that app servers of two
# releases side by side during a rollout never read each other's values.
FORMAT = f"1-{django.get_version()}"


@dataclass(frozen=True)
class DataVersion:
    number: int | None  # None: nothing may be read from or written to the cache
    settled: bool  # no other commit in flight: what is computed now may be stored

    def key(self, *parts) -> str:
        return ":".join(str(part) for part in (FORMAT, self.number, *parts))


NO_CACHE = DataVersion(number=None, settled=False)


# What a figure of no particular year depends on: every year's writes.
EVERY_YEAR = 9999


def data_version(up_to_year: int = EVERY_YEAR) -> DataVersion:
    """The version of the data the figures of `up_to_year` and the years before
    read (a write of a later year leaves it alone). One query on PostgreSQL;
    none on SQLite."""
    if connection.vendor != "postgresql":
        return NO_CACHE
    with connection.cursor() as cursor:
        cursor.execute("SELECT version, settled FROM reporting_data_version(%s)", [up_to_year])
        number, settled = cursor.fetchone()
    return DataVersion(number=number, settled=settled and number is not None)


def cached_values(version: DataVersion, computations: dict[str, Callable[[], object]]) -> dict[str, object]:
    """The value of each computation, by name (the rest of the key): from the
    cache (one query for all) or computed, then stored if the data is settled
    (one write each)."""
    if version.number is None:
        return {name: compute() for name, compute in computations.items()}
    cache = caches[CACHE]
    keys = {name: version.key(name) for name in computations}
    found = cache.get_many(keys.values())
    values = {}
    for name, compute in computations.items():
        values[name] = found[keys[name]] if keys[name] in found else compute()
    missing = {keys[name]: values[name] for name in computations if keys[name] not in found}
    if missing and version.settled:
        cache.set_many(missing)
    return values

"""The load benchmark's second part: the PostgreSQL connections as app workers
grow, without and with PgBouncer (deploy/pgbouncer/pgbouncer.ini, transaction
pooling, DATABASE_POOLER=pgbouncer) — docs/BENCHMARKS.md, "Sous charge".

For each number of workers, gunicorn serves as many users as it has workers
(every worker busy) for a step, straight to PostgreSQL; then the same through
PgBouncer; each step counts the connections."""

import asyncio
import tempfile
from pathlib import Path

from django.db import connection

from . import load_data
from .db import BenchmarkError
from .load_data import Dataset
from .load_run import LoadRun
from .load_server import Gunicorn, database_url
from .servers import PgBouncer, binary


def worker_counts(text: str, default: int) -> list[int]:
    """`--pooled-workers`: increasing numbers, "0" for none; the default is
    the main part's workers ×1, ×2, ×4 and ×8."""
    if text == "":
        return [default * k for k in (1, 2, 4, 8)]
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if counts == [0]:
        return []
    if not counts or any(n < 1 for n in counts) or counts != sorted(set(counts)):
        raise BenchmarkError("--pooled-workers : des nombres de workers croissants, ou 0 pour aucun.")
    return counts


def unavailable() -> str | None:
    """Why this part cannot run here, or None."""
    if binary("pgbouncer") is None:
        return "PgBouncer absent (paquet Debian pgbouncer ; scripts/system-deps.sh test l'installe, en root)"
    return None


def run_series(counts: list[int], *, dataset: Dataset, duration: float, warmup: float, say) -> list[dict]:
    """For each number of workers, a step straight to PostgreSQL; then, PgBouncer started
    (its connections would be counted with the direct ones), the same through it."""
    steps = {"direct": [], "pgbouncer": []}
    options = {"dataset": dataset, "duration": duration, "warmup": warmup}
    for workers in counts:
        steps["direct"].append(one_step(workers, url=database_url(), pooler_port=None, **options))
    with tempfile.TemporaryDirectory(prefix="bench-load-pooled-") as log_dir:
        bouncer = PgBouncer(Path(log_dir)).start()
        try:
            for workers in counts:
                url = bouncer.database_url()
                steps["pgbouncer"].append(one_step(workers, url=url, pooler_port=bouncer.port, **options))
        finally:
            bouncer.stop()
    rows = []
    for workers, direct, pooled in zip(counts, steps["direct"], steps["pgbouncer"], strict=True):
        rows.append({"workers": workers, "users": workers, "direct": direct, "pgbouncer": pooled})
        say(report(rows[-1]))
        for problem in direct["error_samples"][:2] + pooled["error_samples"][:2]:
            say(f"    erreur : {problem}")
    return rows


def one_step(
    workers: int, *, dataset: Dataset, url: str, pooler_port: int | None, duration: float, warmup: float
) -> dict:
    # New TOTP secrets for each server: a code already used is refused.
    accounts = load_data.make_accounts(workers)
    connection.close()
    environment = {"DATABASE_POOLER": "pgbouncer"} if pooler_port else {}
    with Gunicorn(workers=workers, database_url=url, **environment) as server:
        run = LoadRun(server.host, server.port, dataset, accounts, duration, pooler_port=pooler_port)
        try:
            return asyncio.run(warm_then_step(run, workers, warmup))
        finally:
            run.counter.close()


async def warm_then_step(run: LoadRun, users: int, warmup: float) -> dict:
    if warmup:
        await run.step(users, duration=warmup)
    step = await run.step(users)
    keys = ("rps", "median_ms", "p95_ms", "errors", "pg_connections", "pooler_connections")
    return {key: step[key] for key in keys} | {
        "login_errors": step["login"]["errors"],
        "error_samples": step["login_errors"] + step["error_samples"],
    }


def report(row: dict) -> str:
    direct, pooled = row["direct"], row["pgbouncer"]
    if direct["p95_ms"] is None or pooled["p95_ms"] is None:
        return f"{row['workers']} workers : aucune requête terminée"
    return (
        f"{row['workers']} workers, {row['users']} utilisateurs : sans PgBouncer, "
        f"{direct['pg_connections']} connexions PostgreSQL ({figures(direct)}) ; avec PgBouncer, "
        f"{pooled['pooler_connections']} connexions des workers à PgBouncer et {pooled['pg_connections']} "
        f"connexions PostgreSQL ({figures(pooled)})"
    )


def figures(step: dict) -> str:
    errors = step["errors"] + step["login_errors"]
    return f"{step['rps']:.1f} requêtes/s, 95e centile {step['p95_ms']:.0f} ms, {errors} erreurs"

"""Load benchmark: gunicorn with N workers, under more and more logged-in users
at once (docs/BENCHMARKS.md, "Sous charge").

Run it on a throwaway database: `make bench-load`.
"""

import asyncio
import os
from dataclasses import asdict

from django.db import connection

from bench import bilan, load_data, load_pooled, load_server
from bench.command import BenchmarkCommand
from bench.db import BenchmarkError
from bench.load_run import LoadRun
from bench.load_server import Gunicorn, default_workers
from bench.load_users import KINDS
from bench.urls import BARE_PATH, EMPTY_PATH
from reporting.presentation import number

# A step past this 95th percentile (ms, the issue's), or with an error, is the last one.
P95_LIMIT_MS = 500
# The logged-in mix's requests per second, as a share of the bare view's (issue 16).
TARGET_RATIO = 0.3
ROLE_NAMES = {"conseiller": "conseil", "coordination": "coordination", "ville": "ville"}


def sql_counts(counts: list[int]) -> str:
    """The SQL statements a kind of request sent, as its requests' log lines say."""
    return ", ".join(str(n) for n in counts) or "?"


def user_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or any(n < 1 for n in counts) or counts != sorted(set(counts)):
        raise BenchmarkError("--users : des nombres d'utilisateurs croissants, séparés par des virgules.")
    return counts


class Command(BenchmarkCommand):
    help = (
        "Banc d'essai sous charge : lance gunicorn sur le jeu de données du bilan et lui envoie des "
        "utilisateurs connectés de plus en plus nombreux (conseil 70 %, coordination 20 %, ville "
        "10 %), puis compare au débit d'une vue nue. Voir docs/BENCHMARKS.md."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        bilan.add_size_arguments(parser)
        parser.add_argument(
            "--workers", type=int, default=default_workers(), help="Workers gunicorn (défaut : 2 × CPU + 1)."
        )
        parser.add_argument(
            "--users",
            default="1,2,4,8,16,32,64",
            help="Utilisateurs simultanés de chaque palier (défaut : 1,2,4,8,16,32,64).",
        )
        parser.add_argument("--duration", type=float, default=20, help="Secondes par palier (défaut : 20).")
        parser.add_argument(
            "--warmup", type=float, default=5, help="Secondes de chauffe, non comptées (défaut : 5)."
        )
        parser.add_argument(
            "--p95-limit",
            type=float,
            default=P95_LIMIT_MS,
            help=f"Dernier palier : celui dont le 95e centile dépasse ces ms (défaut : {P95_LIMIT_MS}).",
        )
        parser.add_argument(
            "--pooled-workers",
            default="",
            help=(
                "Seconde partie : workers gunicorn de chaque palier, sans puis avec PgBouncer "
                "(défaut : --workers × 1, 2, 4 et 8 ; 0 pour aucune)."
            ),
        )
        parser.add_argument(
            "--pooled-duration",
            type=float,
            default=10,
            help="Secondes par palier de la seconde partie (défaut : 10).",
        )

    def run(self, *, persons, visits, years, workers, users, duration, warmup, p95_limit, **options):
        steps = user_counts(users)
        if workers < 1 or duration <= 0 or warmup < 0 or p95_limit <= 0 or persons < 10 or visits < persons:
            raise BenchmarkError("Options invraisemblables : voir --help.")
        pooled_counts = load_pooled.worker_counts(options["pooled_workers"], workers)
        if options["pooled_duration"] <= 0:
            raise BenchmarkError("--pooled-duration : un nombre de secondes positif.")
        dataset = load_data.prepare(persons=persons, visits=visits, years=years)
        self.say(
            f"Données : {number(dataset.persons)} personnes, {number(dataset.visits)} rendez-vous"
            + (f" (générés en {dataset.generation_ms / 1000:.0f} s)." if dataset.generated else " (déjà là).")
        )
        accounts = load_data.make_accounts(steps[-1])
        postgresql = connection.pg_version // 10000
        connection.close()
        with Gunicorn(workers=workers, database_url=load_server.database_url()) as server:
            self.say(f"gunicorn : {workers} workers sur {server.host}:{server.port}, {os.cpu_count()} CPU.")
            run = LoadRun(
                server.host, server.port, dataset, accounts, duration, request_queries=server.request_queries
            )
            self.p95_limit = p95_limit
            result = asyncio.run(self.load(run, steps, workers=workers, warmup=warmup))
        result["pooled"] = self.pooled(pooled_counts, dataset=dataset, warmup=warmup, **options)
        return {
            "workers": workers,
            "cpus": os.cpu_count(),
            "postgresql": postgresql,
            "dataset": {k: v for k, v in asdict(dataset).items() if k != "people"},
            "duration_s": duration,
            "think_time_ms": 0,
            "p95_limit_ms": p95_limit,
            "target_ratio": TARGET_RATIO,
            **result,
        }

    def pooled(self, counts: list[int], *, dataset, warmup: float, pooled_duration: float, **options) -> dict:
        """The second part: PostgreSQL connections as workers grow, without and with PgBouncer."""
        if not counts:
            return {"skipped": "--pooled-workers 0", "steps": []}
        if reason := load_pooled.unavailable():
            self.say(f"Seconde partie (PgBouncer) non lancée : {reason}.", self.style.WARNING)
            return {"skipped": reason, "steps": []}
        self.say(
            f"Seconde partie : connexions PostgreSQL quand les workers augmentent, sans puis avec PgBouncer "
            f"(mode transaction, deploy/pgbouncer/pgbouncer.ini), {pooled_duration:.0f} s par palier."
        )
        warmup = min(warmup, pooled_duration)
        rows = load_pooled.run_series(
            counts, dataset=dataset, duration=pooled_duration, warmup=warmup, say=self.say
        )
        return {"skipped": None, "steps": rows}

    async def load(self, run: LoadRun, steps: list[int], *, workers: int, warmup: float) -> dict:
        bare_path = f"/{BARE_PATH}"
        if warmup:
            await run.step(min(steps[-1], workers), duration=warmup)
        bare = [await run.bare(2 * workers, bare_path)]
        self.report_bare(bare[0])
        results = []
        try:
            for count in steps:
                step = await run.step(count)
                results.append(step)
                self.report_step(step)
                if not step["count"] or step["errors"] or step["login"]["errors"]:
                    break
                if step["p95_ms"] > self.p95_limit:
                    break
            bare.append(await run.bare(2 * workers, bare_path))
            self.report_bare(bare[1])
            empty = await run.bare(2 * workers, f"/{EMPTY_PATH}", logged_in=True)
        finally:
            run.counter.close()
        bare_rps = max(b["rps"] for b in bare)
        self.report_empty(empty, bare_rps)
        self.report_queries(results)
        fit = [s for s in results if s["count"] and not s["errors"] and s["p95_ms"] <= self.p95_limit]
        best = max(fit, key=lambda s: s["users"], default=None)
        ratio = best["rps"] / bare_rps if best else None
        if best:
            self.say(
                f"Au palier de {best['users']} utilisateurs (95e centile sous {self.p95_limit:.0f} ms, sans "
                f"erreur) : {best['rps']:.1f} requêtes/s, soit {ratio:.0%} de la vue nue "
                f"({bare_rps:.0f} requêtes/s ; objectif : {TARGET_RATIO:.0%} au moins) et "
                f"{best['rps'] / empty['rps']:.0%} de la page connectée vide.",
                self.style.SUCCESS if ratio >= TARGET_RATIO else self.style.WARNING,
            )
        else:
            self.say(f"Aucun palier sous {self.p95_limit:.0f} ms sans erreur.", self.style.WARNING)
        return {
            "bare": bare,
            "bare_rps": bare_rps,
            "empty": empty,
            "empty_ratio": empty["rps"] / bare_rps,
            "ratio_to_empty": best["rps"] / empty["rps"] if best and empty["rps"] else None,
            "steps": results,
            "best_users": best["users"] if best else None,
            "ratio": ratio,
        }

    def report_queries(self, steps: list[dict]) -> None:
        """Each kind's SQL statements step after step: a page whose count grows under load
        (more users, more visits recorded) would show it here."""
        self.say("Requêtes SQL de chaque sorte de requête, palier après palier :")
        for kind, label in KINDS.items():
            seen = [(s["users"], s["kinds"][kind]["queries"]) for s in steps if kind in s["kinds"]]
            if not seen:
                continue
            same = all(counts == seen[0][1] for _, counts in seen)
            detail = (
                f"{sql_counts(seen[0][1])} à chaque palier"
                if same
                else " ; ".join(f"{sql_counts(counts)} au palier de {users}" for users, counts in seen)
            )
            self.say(f"    {label:<42} {detail}")

    def report_bare(self, bare: dict) -> None:
        self.say(
            f"Vue nue, {bare['concurrency']} connexions : {bare['rps']:.0f} requêtes/s, médiane "
            f"{bare['median_ms']:.0f} ms, {bare['errors']} erreurs ; "
            f"client : {bare['client_cpu_share']:.0%} d'un processeur"
        )

    def report_empty(self, empty: dict, bare_rps: float) -> None:
        if not empty["count"]:
            self.say("Page connectée vide : aucune réponse.", self.style.ERROR)
            return
        self.say(
            f"Page connectée vide (gabarit de base, session, utilisateur et rôles), {empty['concurrency']} "
            f"connexions : {empty['rps']:.0f} requêtes/s ({empty['rps'] / bare_rps:.0%} de la vue nue), "
            f"médiane {empty['median_ms']:.0f} ms, {empty['errors']} erreurs"
        )
        for problem in empty["error_samples"]:
            self.say(f"    erreur : {problem}", self.style.ERROR)

    def report_step(self, step: dict) -> None:
        roles = ", ".join(f"{n} {ROLE_NAMES[role]}" for role, n in step["roles"].items())
        self.say(
            f"{step['users']} utilisateurs ({roles}) : {step['rps']:.1f} requêtes/s, médiane "
            f"{step['median_ms']:.0f} ms, 95e centile {step['p95_ms']:.0f} ms, {step['errors']} erreurs, "
            f"{step['pg_connections']} connexions PostgreSQL ; "
            f"client : {step['client_cpu_share']:.0%} d'un processeur"
        )
        for kind, figures in step["kinds"].items():
            self.say(
                f"    {KINDS[kind]:<42} {figures['count']:>6}  médiane {figures['median_ms']:6.0f} ms  "
                f"95e centile {figures['p95_ms']:6.0f} ms  {figures['errors']} erreurs  "
                f"SQL {sql_counts(figures.get('queries', []))}"
            )
        for problem in step["error_samples"] + step["login_errors"]:
            self.say(f"    erreur : {problem}", self.style.ERROR)

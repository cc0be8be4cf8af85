"""The load benchmark's steps: so many users working at once for a while, or
the bare view requested by so many connections, and the figures of each."""

import asyncio
import contextlib
import math
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection

from .load_data import Account, Dataset
from .load_http import Browser
from .load_server import pg_connections
from .load_users import KINDS, Failed, Recorder, Sample, SimulatedUser, bare_loop
from .servers import established_to

# The PostgreSQL connections are counted this often during a step.
SAMPLE_SECONDS = 0.5
# Users log in this many at a time before they join a step.
LOGINS_AT_ONCE = 8


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timing(samples: list[Sample]) -> dict:
    ms = [s.ms for s in samples]
    return {
        "count": len(samples),
        "errors": sum(not s.ok for s in samples),
        "median_ms": statistics.median(ms) if ms else None,
        "p95_ms": percentile(ms, 0.95) if ms else None,
    }


def figures(
    recorder: Recorder, *, started: float, ended: float, queries: dict[str, int] | None = None
) -> dict:
    """Requests ended within the step, per second; latencies overall and per kind; and,
    with the server's `queries` by request id, the SQL statements of each kind's requests."""
    within = [s for s in recorder.samples if started <= s.at <= ended]
    kinds = {kind: timing([s for s in within if s.kind == kind]) for kind in KINDS}
    if queries is not None:
        for kind, figures_ in kinds.items():
            sent = {queries[s.request_id] for s in within if s.kind == kind and s.request_id in queries}
            figures_["queries"] = sorted(sent)
    return {
        "seconds": ended - started,
        "rps": len(within) / (ended - started),
        **timing(within),
        "kinds": {kind: figures_ for kind, figures_ in kinds.items() if figures_["count"]},
        "error_samples": recorder.errors[:5],
    }


class ConnectionCounter:
    """The PostgreSQL connections to the database, counted in a thread of its own
    (its own connection, left out of the count) while a step runs; and, behind a
    pooler, the app's connections to it (`pooler_port`)."""

    def __init__(self, pooler_port: int | None = None):
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.pooler_port = pooler_port
        self.counts: list[int] = []
        self.pooler_counts: list[int] = []

    def reset(self) -> None:
        self.counts, self.pooler_counts = [], []

    async def watch(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            self.counts.append(await loop.run_in_executor(self.thread, pg_connections))
            if self.pooler_port is not None:
                self.pooler_counts.append(established_to(self.pooler_port) or 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)

    def close(self) -> None:
        self.thread.submit(lambda: connection.close()).result()
        self.thread.shutdown()


@dataclass
class LoadRun:
    host: str
    port: int
    dataset: Dataset
    accounts: list[Account]
    duration: float
    pooler_port: int | None = None
    # The server's SQL statements by request id, logged since the last call (Gunicorn.request_queries).
    request_queries: Callable[[], dict[str, int]] | None = None

    def __post_init__(self):
        self.users: list[SimulatedUser] = []
        self.counter = ConnectionCounter(self.pooler_port)

    async def join(self, count: int) -> Recorder:
        """Bring the users up to `count`, each new one logged in; their logins' record."""
        logins = Recorder()
        new = [
            SimulatedUser(account, self.dataset, Browser(self.host, self.port), seed=n)
            for n, account in enumerate(self.accounts[len(self.users) : count], start=len(self.users))
        ]
        gate = asyncio.Semaphore(LOGINS_AT_ONCE)

        async def log_in(user: SimulatedUser) -> None:
            user.recorder = logins
            async with gate:
                try:
                    await user.log_in()
                except Failed:
                    return
                except Exception as error:  # recorded as an error of the login
                    user.unexpected(error)

        await asyncio.gather(*(log_in(user) for user in new))
        self.users += new
        return logins

    async def step(self, count: int, *, duration: float | None = None) -> dict:
        """`count` users at work for the step's duration; the figures of the step."""
        logins = await self.join(count)
        users = self.users[:count]
        recorder, stop = Recorder(), asyncio.Event()
        for user in users:
            user.recorder = recorder
        self.counter.reset()
        started, cpu = time.perf_counter(), time.process_time()
        tasks = [asyncio.create_task(user.work(stop)) for user in users]
        watching = asyncio.create_task(self.counter.watch(stop))
        await asyncio.sleep(duration or self.duration)
        ended, cpu = time.perf_counter(), time.process_time() - cpu
        stop.set()
        await asyncio.gather(*tasks, watching)
        queries = self.request_queries() if self.request_queries else None
        roles = {}
        for user in users:
            roles[user.account.role] = roles.get(user.account.role, 0) + 1
        return {
            "users": count,
            "roles": roles,
            **figures(recorder, started=started, ended=ended, queries=queries),
            "login": timing(logins.samples),
            "login_errors": logins.errors[:5],
            "pg_connections": max(self.counter.counts, default=0),
            "pooler_connections": max(self.counter.pooler_counts, default=0) if self.pooler_port else None,
            # The processor time of this client (it shares the machine with the server).
            "client_cpu_share": cpu / (ended - started),
        }

    async def bare(self, concurrency: int, path: str, *, logged_in: bool = False) -> dict:
        """The bare view requested by `concurrency` connections at once; or, `logged_in`,
        the empty page, by the browsers of the users already logged in, in turn."""
        recorder, stop = Recorder(), asyncio.Event()
        if logged_in:
            browsers = [self.users[n % len(self.users)].browser for n in range(concurrency)]
        else:
            browsers = [Browser(self.host, self.port) for _ in range(concurrency)]
        kind = "empty" if logged_in else "bare"
        started, cpu = time.perf_counter(), time.process_time()
        tasks = [asyncio.create_task(bare_loop(browser, path, recorder, stop, kind)) for browser in browsers]
        await asyncio.sleep(self.duration)
        ended, cpu = time.perf_counter(), time.process_time() - cpu
        stop.set()
        await asyncio.gather(*tasks)
        if self.request_queries:
            self.request_queries()  # these requests' lines, left behind
        result = figures(recorder, started=started, ended=ended)
        return {
            "concurrency": concurrency,
            **{k: v for k, v in result.items() if k != "kinds"},
            "client_cpu_share": cpu / (ended - started),
        }

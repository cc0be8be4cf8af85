"""Wall-clock timings shared by the benchmarks, in milliseconds."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


class Stopwatch:
    """The wall-clock time of a `with` block."""

    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc_info) -> None:
        self.seconds = time.perf_counter() - self.started

    @property
    def ms(self) -> float:
        return self.seconds * 1000


@dataclass(frozen=True)
class Timing:
    """Repeated measurements of one thing, in milliseconds."""

    ms: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.ms)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def best(self) -> float:
        return min(self.ms)

    @property
    def p90(self) -> float | None:
        """The 90th percentile; None under two measurements."""
        return statistics.quantiles(self.ms, n=10)[-1] if self.count > 1 else None

    def figures(self) -> dict:
        return {"count": self.count, "median_ms": self.median, "best_ms": self.best, "p90_ms": self.p90}


def time_each(function: Callable[..., object], arguments) -> Timing:
    """Call `function` once with each of `arguments`, timing every call."""
    times = []
    for argument in arguments:
        with Stopwatch() as watch:
            function(argument)
        times.append(watch.ms)
    return Timing(tuple(times))


def interleaved(functions: dict[str, Callable[[], object]], *, runs: int) -> dict[str, Timing]:
    """Wall-clock times of each function, called in turn `runs` times after a
    warm-up call: on a shared machine, a slow moment then weighs on all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(runs):
        for name, function in functions.items():
            with Stopwatch() as watch:
                function()
            times[name].append(watch.ms)
    return {name: Timing(tuple(t)) for name, t in times.items()}

"""Run a benchmark command on a tiny size and read its figures."""

import io
import json

from django.core.management import call_command


def bench_json(command: str, *args) -> dict:
    """The command's figures: the one JSON object it prints with --json."""
    out = io.StringIO()
    call_command(command, *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def bench_text(command: str, *args) -> list[str]:
    """The lines of the command's French report."""
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().splitlines()


def assert_timing(timing: dict, *, count: int) -> None:
    """Timings in milliseconds of `count` measurements, consistent with each other."""
    assert timing["count"] == count
    assert 0 < timing["best_ms"] <= timing["median_ms"]
    if count > 1:
        assert timing["median_ms"] <= timing["p90_ms"]
    else:
        assert timing["p90_ms"] is None

"""The messages' benchmark on a tiny size: queued, sent, queries per message constant.

The real run (10,000 reminders) is by hand: see docs/BENCHMARKS.md.
"""

import pytest
from django.core.management.base import CommandError

from messaging.models import Message

from .conftest import bench_json, bench_text

pytestmark = pytest.mark.django_db


def test_it_queues_and_sends_every_reminder_at_two_sizes_in_constant_queries():
    figures = bench_json("bench_messages", "--messages", "120")
    assert figures["database"] == "postgresql"
    assert list(figures["sizes"]) == ["12", "120"]
    for size, measured in figures["sizes"].items():
        count = int(size)
        assert (
            measured["messages"] == measured["queued"] == measured["sent"] == measured["sms_written"] == count
        )
        assert measured["queue_per_s"] > 0 and measured["send_per_s"] > 0
    small, large = figures["sizes"]["12"], figures["sizes"]["120"]
    # Sending: the same queries for each message, whatever their number.
    assert small["send_queries_per_message"] == large["send_queries_per_message"] <= 6
    # Queuing: a few queries for the whole run, and one per task queued.
    assert large["queue_queries_per_message"] <= small["queue_queries_per_message"] <= 2


def test_it_reports_in_french_text():
    lines = bench_text("bench_messages", "--messages", "20")
    assert len(lines) == 2 and lines[1].startswith("20 rappels : mis en file en ")


def test_it_needs_ten_messages_and_an_empty_queue():
    with pytest.raises(CommandError, match="Au moins 10 rappels"):
        bench_json("bench_messages", "--messages", "9")
    assert not Message.objects.exists()

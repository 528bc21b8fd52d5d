"""bench/analytics_consumer.py (``make bench-analytics``) on the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import analytics_consumer


def test_bad_options_are_refused(capsys):
    for argv in (["--lingers", "x"], ["--lingers", ""], ["--rate", "1"], ["--seconds", "0"]):
        with pytest.raises(SystemExit):
            analytics_consumer.main(argv)
    assert "--lingers" in capsys.readouterr().err


def test_events_alternate_and_spread_over_the_conversations():
    events = analytics_consumer._events(6)
    assert [e["event"] for e in events] == ["user", "bot", "action"] * 2
    assert len({e["sender_id"] for e in analytics_consumer._events(200)}) == 50


@pytest.mark.slow
def test_tiny_run_measures_both_lingers(tmp_path: Path):
    out = tmp_path / "analytics.json"
    argv = ["--lingers", "0,0.25", "--rate", "20", "--seconds", "1", "--out", str(out)]
    assert analytics_consumer.main(argv) == 0
    results = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert [r["linger_s"] for r in results] == [0.0, 0.25]
    assert all(r["events"] == 20 and r["consumer_cpu_s"] > 0 for r in results)

"""bench/fuzz: the harness counts crashes and logged errors; the command writes its report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from hypothesis import strategies as st

from bench.fuzz.__main__ import main
from bench.fuzz.harness import Finding, Target, run_target


def test_failures_are_counted_with_their_input() -> None:
    def check(value: int) -> str:
        if value % 3 == 0:
            raise ValueError(f"bad {value}")
        if value % 3 == 1:
            raise Finding("HTTP 500")
        logging.getLogger("some.channel").error("unhandled")
        return "ok"

    target = Target("demo", "parser", "a test", st.integers(0, 1000), check)
    result = run_target(target, 60, seed=1)
    assert result.inputs == 60
    assert result.failures == 60  # a crash, a finding or a logged error each time
    assert set(result.outcomes) == {"crash", "finding", "ok", "error_logged"}
    assert result.examples and "input" in result.examples[0]
    assert any("ValueError: bad" in e["error"] for e in result.examples)


def test_a_clean_target_has_no_failure() -> None:
    target = Target("clean", "parser", "a test", st.text(), lambda text: "ok")
    result = run_target(target, 50, seed=2)
    assert (result.inputs, result.failures, dict(result.outcomes)) == (50, 0, {"ok": 50})


def test_command_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "fuzz.json"
    assert main(["--examples", "25", "--targets", "ratings,phone", "--seed", "3",
                 "--out", str(out)]) == 0  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["examples_per_target"] == 25
    assert [t["name"] for t in report["targets"]] == ["phone", "ratings"]
    assert all(t["inputs"] == 25 and t["failures"] == 0 for t in report["targets"])
    assert report["totals"]["inputs"] == 50

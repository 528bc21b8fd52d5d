"""bench/report.py: docs/benchmarks.md rendered from the benchmarks' JSON reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench import report

ROOT = Path(__file__).resolve().parents[2]

SAMPLES: dict[str, dict[str, Any]] = {
    "action_validation": {
        "stock_us_per_call": 96400.0,
        "installed_us_per_call": 414.0,
        "speedup": 232.9,
        "python": "3.11.2",
    },
    "analytics-consumer": {
        "benchmark": "analytics-consumer",
        "machine": {"at_start": {"cpus": 2, "load_average": [1.5, 1.0, 0.5]}},
        "options": {"rate": 300, "seconds": 20.0},
        "results": [
            {"linger_s": 0.0, "events": 6000, "cpu_ms_per_event": 0.88, "core_share_at_rate": 0.26},
            {
                "linger_s": 0.25,
                "events": 6000,
                "cpu_ms_per_event": 0.44,
                "core_share_at_rate": 0.13,
            },
        ],
    },
    "load": {
        "benchmark": "load",
        "timestamp": "2026-12-01T10:00:00+00:00",
        "machine": {"at_start": {"cpus": 2, "load_average": [0.2, 0.1, 0.1]}},
        "options": {"owners": 12, "think_owners": 50},
        "configurations": {
            "project": {
                "start_s": 17.3,
                "scenarios": {
                    "saturation": {
                        "turns_per_s": 40.0,
                        "latency_ms": {"p50": 265, "p95": 600},
                        "errors": 0,
                        "tickets": {"lost": 0, "duplicated": 0},
                    },
                },
            },
            "stock": {"error": "stock model failed to train"},
        },
    },
}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    for name, content in SAMPLES.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")
    return tmp_path


def section_of(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_figures_and_ratio_come_from_the_json(results: Path):
    text = section_of(report.render(results), "Action-response validation")
    assert "| µs per call, mixed responses | 414 | 96,400 | 0.00429 |" in text
    assert "date not recorded in the JSON; machine not recorded in the JSON; Python 3.11.2" in text


def test_list_elements_are_picked_by_their_field(results: Path):
    text = section_of(report.render(results), "Analytics consumer")
    assert "| consumer CPU ms per event | 0.44 | 0.88 | 0.5 |" in text
    assert "2 CPUs, load average 1.50 at start; events per second 300; seconds 20" in text


def test_a_failed_configuration_leaves_dashes_not_figures(results: Path):
    text = section_of(report.render(results), "Load: simulated owners over REST")
    assert "recorded 2026-12-01T10:00:00+00:00" in text
    assert "| saturation: turns/s | 40 | — | — |" in text
    assert "| think time: p95 ms | — | — | — |" in text


@pytest.mark.parametrize("bench", report.BENCHES, ids=lambda b: b.name)
def test_a_missing_report_names_the_command_that_records_it(tmp_path: Path, bench: report.Bench):
    text = section_of(report.render(tmp_path), bench.title)
    assert f"**No recorded run** — run `{bench.command}`." in text
    assert "|" not in text


def test_an_unreadable_report_is_said_so(tmp_path: Path):
    (tmp_path / "fuzz.json").write_text("{not json", encoding="utf-8")
    text = section_of(report.render(tmp_path), "Fuzzing")
    assert "**Unreadable report**" in text


@pytest.mark.parametrize(
    ("found", "scale", "cell"),
    [
        (None, 1.0, "—"),
        ([], 1.0, "—"),
        (7_000_000, 1e-6, "7"),
        (0.95491, 1.0, "0.9549"),
        (1374, 1.0, "1,374"),
        ([16.6, 18.2], 1.0, "16.6, 18.2"),
        ("a|b", 1.0, "a\\|b"),
        (True, 1.0, "True"),
    ],
)
def test_cells_are_formatted(found: Any, scale: float, cell: str):
    assert report.formatted(found, scale) == cell


@pytest.mark.parametrize("bench", report.BENCHES, ids=lambda b: b.name)
def test_each_bench_names_a_make_target_and_a_script_that_writes_its_file(bench: report.Bench):
    target = bench.command.split()[1]
    assert re.search(rf"^{re.escape(target)}:", (ROOT / "Makefile").read_text(), re.M)
    scripts = [*ROOT.glob("bench/*.py"), *ROOT.glob("bench/*/__main__.py")]
    written = {
        match
        for script in scripts
        for match in re.findall(r'"bench/results/([\w.-]+)"', script.read_text(encoding="utf-8"))
        + re.findall(r'"results" / "([\w.-]+)"', script.read_text(encoding="utf-8"))
    }
    assert bench.file in written


def test_check_fails_on_a_stale_page_and_passes_on_a_current_one(results: Path, tmp_path: Path):
    out = tmp_path / "benchmarks.md"
    assert report.main(["--results", str(results), "--out", str(out), "--check"]) == 1
    assert report.main(["--results", str(results), "--out", str(out)]) == 0
    assert report.main(["--results", str(results), "--out", str(out), "--check"]) == 0

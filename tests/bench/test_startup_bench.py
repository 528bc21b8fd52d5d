"""bench/startup.py and bench/stack.py: the pure pieces, and one tiny real run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import stack, startup


def test_latency_in_milliseconds_with_percentiles():
    summary = stack.latency_ms([0.001 * n for n in range(1, 101)])
    assert summary == {"p50": 50.5, "p95": 95.0, "p99": 99.0, "mean": 50.5, "max": 100.0}
    assert stack.latency_ms([])["p95"] is None


def test_stock_digest_follows_config_and_epochs(tmp_path: Path):
    config = tmp_path / "config.yml"
    config.write_text(stack.STOCK_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    first = stack.stock_digest(40, config)
    assert stack.stock_digest(40, config) == first
    assert stack.stock_digest(41, config) != first
    config.write_text(config.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert stack.stock_digest(40, config) != first


def test_stock_config_is_rasas_default_with_jieba():
    import yaml

    config = yaml.safe_load(stack.STOCK_CONFIG.read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert names == [
        "JiebaTokenizer",
        "RegexFeaturizer",
        "LexicalSyntacticFeaturizer",
        "CountVectorsFeaturizer",
        "CountVectorsFeaturizer",
        "DIETClassifier",
        "EntitySynonymMapper",
        "ResponseSelector",
        "FallbackClassifier",
    ]
    policies = [p["name"] for p in config["policies"]]
    assert policies == ["MemoizationPolicy", "RulePolicy", "UnexpecTEDIntentPolicy", "TEDPolicy"]
    assert config["language"] == "zh"


def test_run_endpoints_move_var_files_and_point_at_the_action_port(tmp_path: Path):
    source = {
        "action_endpoint": {"url": "http://localhost:5055/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": "var/tracker.db"},
        "lock_store": {"type": "bot.runtime.lock_store.SQLiteLockStore"},
    }
    derived = stack.run_endpoints(source, 4321, tmp_path / "var")
    assert derived["action_endpoint"]["url"] == "http://localhost:4321/webhook"
    assert derived["tracker_store"]["db"] == str(tmp_path / "var" / "tracker.db")
    assert derived["lock_store"] == source["lock_store"]
    assert source["tracker_store"]["db"] == "var/tracker.db"  # the source is left alone


def test_a_group_is_gone_once_its_processes_have_exited_even_unreaped():
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        assert stack.running(child.pid)
        assert stack.group_members(child.pid) == [child.pid]
        assert not stack.group_gone(child.pid, 0.5)
        os.kill(child.pid, 9)
        # Not reaped yet: a zombie, still in /proc, but no longer running.
        assert stack.group_gone(child.pid, 10)
        assert not stack.running(child.pid)
        assert Path(f"/proc/{child.pid}").exists()
    finally:
        child.kill()
        child.wait()
    assert not stack.running(child.pid)


def test_process_tree_and_roles():
    assert stack.parent_of("42 (python -m x) S 7 42 42 0") == 7
    parent = {10: 1, 11: 10, 12: 10, 13: 12, 14: 13, 15: 11, 16: 10, 20: 1}
    tree = stack.descendants(10, parent)
    assert tree == [10, 11, 12, 16, 15, 13, 14]
    commands = {
        10: "bash ./scripts/run.sh",
        11: "bash ./scripts/run.sh",  # the subshell that restarts the action server
        12: ".venv/bin/python -m bot.serve run --model m",
        13: ".venv/bin/python -c from multiprocessing.spawn import spawn_main",
        14: ".venv/bin/python -c worker",
        15: ".venv/bin/python -m bot.runtime.action_server --actions bot.actions",
        16: ".venv/bin/python -m rasa_sdk --actions bot.actions",
    }
    assert stack.roles(tree, parent, commands) == {
        10: "script",
        11: "script",
        12: "rasa",
        13: "rasa",
        14: "rasa",
        15: "actions",
        16: "actions",
    }


def test_memory_of_this_process_from_proc():
    status = Path(f"/proc/{os.getpid()}/status").read_text()
    assert (stack.memory_kb(status, "VmRSS") or 0) > 1000
    assert stack.memory_kb("Rss:  12 kB\nPss:   7 kB\n", "Pss") == 7
    assert stack.memory_kb("", "Pss") is None


def test_configs_are_checked():
    assert stack.parse_configs(" stock , project") == ["stock", "project"]
    for bad in ("", "project,project", "tf"):
        with pytest.raises(ValueError):
            stack.parse_configs(bad)


def test_targets_of_a_result():
    rasa = {"rss_total_mb": 1500.0, "rss_max_mb": 600.0, "pss_total_mb": 1100.0}
    result = {"start_s": {"median": 9.0, "each": [9.0]}, "memory_after_turns": {"rasa": rasa}}
    assert startup.targets(result) == {
        "cold_start": True,
        "rasa_rss_per_process": True,
        "rasa_pss_total": False,
    }
    assert set(startup.targets({"error": "x"}).values()) == {None}


@pytest.mark.model
@pytest.mark.slow
def test_tiny_run_starts_answers_and_measures_memory(trained_model, tmp_path: Path):
    out = tmp_path / "startup.json"
    assert startup.main(["--quick", "--configs", "project", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    result = report["configurations"]["project"]
    assert result["start_s"]["median"] > 0 and len(result["start_s"]["each"]) == 1
    assert result["turns"]["turns"] >= 10 and result["turns"]["intakes_completed"] >= 1
    assert result["turns"]["tickets"]["expected"] == result["turns"]["tickets"]["found"]
    memory = result["memory_after_turns"]
    assert memory["rasa"]["count"] >= 1 and memory["actions"]["count"] >= 1
    assert memory["rasa"]["rss_total_mb"] >= memory["rasa"]["rss_max_mb"] > 50
    assert any("bot.serve" in p["command"] for p in memory["rasa"]["processes"])
    # The stack was stopped: none of its processes is left running (an exited server whose
    # parent had gone may wait as a zombie for PID 1 to reap it: it is not running).
    pids = [p["pid"] for role in ("rasa", "actions") for p in memory[role]["processes"]]
    assert not [pid for pid in pids if stack.running(pid)]


def test_cpu_ticks_of_the_machine_and_of_processes():
    stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
    assert stack.machine_cpu_ticks(stat) == (160, 1000)  # idle and iowait are not busy
    busy, total = stack.machine_cpu_ticks()
    assert 0 < busy < total
    spent = stack.process_cpu_seconds([os.getpid()])
    sum(range(3_000_000))  # burn some CPU in this process
    assert stack.process_cpu_seconds([os.getpid()]) > spent
    assert stack.process_cpu_seconds([2**22 + 7]) == 0.0  # no such process


def test_cpu_time_is_grouped_by_role_and_service():
    sum(range(2_000_000))
    groups = stack.cpu_by_group({os.getppid(): "parent"})
    assert groups["load generator"] > 0  # this process
    assert "parent" in groups
    assert all(seconds >= 0 for seconds in groups.values())

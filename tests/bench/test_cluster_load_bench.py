"""bench/cluster_load.py (``make bench-load TARGET=cluster``): pure pieces and a tiny real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import cluster_load, load
from tests.channels.servers import missing


def test_failed_turns_are_counted_against_the_kill_before_them():
    kills = [{"at": 100.0}, {"at": 220.0}]
    failed = [99.0, 100.0, 130.0, 159.9, 160.0, 221.0, 400.0]
    assert cluster_load.kill_windows(kills, failed) == [3, 1]
    assert cluster_load.kill_windows([], failed) == []


def test_the_target_chooses_the_benchmark():
    assert load.target_of(["--target", "cluster", "--owners", "3"]) == "cluster"
    assert load.target_of(["--owners", "3"]) == "stack"


def test_bad_options_are_refused(capsys):
    for argv in (["--owners", "0"], ["--kill-every", "0"], ["--soak-minutes", "-1"]):
        with pytest.raises(SystemExit):
            cluster_load.options(argv)
    assert "must be" in capsys.readouterr().err


def test_targets_compare_the_cluster_with_one_server():
    def scenarios(turns: float, **soak: object) -> dict:
        result = {"saturation": {"turns_per_s": turns}}
        if soak:
            result["soak"] = soak
        return {"scenarios": result}

    soak = {"tickets": {"lost": 0, "duplicated": 0}, "errors": 2}
    checks = cluster_load.targets(
        {"one server": scenarios(10.0), "cluster": scenarios(16.0, **soak)}
    )
    assert checks == {
        "cluster_over_one_server": True,
        "soak_lost": True,
        "soak_duplicated": True,
        "kill_failed": False,
    }
    assert cluster_load.targets({"one server": {"error": "x"}})["cluster_over_one_server"] is None


@pytest.mark.model
@pytest.mark.slow
def test_tiny_run_of_one_server_against_the_cluster_with_a_kill(trained_model, tmp_path: Path):
    if not Path("/usr/sbin/haproxy").exists():
        missing("HAProxy is missing: apt-get install haproxy (make test does)")
    out = tmp_path / "load-cluster.json"
    assert load.main(["--target", "cluster", "--quick", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    one, two = report["configurations"]["one server"], report["configurations"]["cluster"]
    assert one["rasa_servers"] == 1 and two["rasa_servers"] == 2
    for result in (one, two):
        saturation = result["scenarios"]["saturation"]
        assert saturation["turns"] > 0 and saturation["errors"] == 0
        assert saturation["tickets"]["lost"] == saturation["tickets"]["duplicated"] == 0
    soak = two["scenarios"]["soak"]
    assert soak["intakes_completed"] >= 1
    assert soak["tickets"]["lost"] == soak["tickets"]["duplicated"] == 0
    kills = soak["kills"]
    assert kills and kills[0]["program"] == "rasa-1"
    assert all(kill["back_after_s"] > 0 for kill in kills)  # supervisord restarted each

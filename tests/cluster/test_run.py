"""``python -m bot.cluster``: what stops it from starting is said, with exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from bench.cluster_stack import free_port_block
from bot.cluster import run
from tests.conftest import ROOT


def cluster(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot.cluster", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def ports(base: int) -> list[str]:
    return [
        "--port", str(base), "--action-balancer-port", str(base + 1),
        "--rasa-base-port", str(base + 2), "--action-base-port", str(base + 4),
    ]  # fmt: skip


def test_a_busy_port_and_a_missing_model_are_said_and_nothing_starts(tmp_path):
    base = free_port_block(6)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 3))  # the second Rasa server's port
        taken.listen()
        done = cluster(
            ["run", *ports(base), "--model", str(tmp_path / "none.tar.gz")],
            tmp_path,
            CLUSTER_BIND="127.0.0.1",
        )
    assert done.returncode == 2
    assert f"ports already in use: [{base + 3}]" in done.stderr
    assert "no trained model at" in done.stderr
    assert not (tmp_path / "var" / "cluster" / "supervisord.conf").exists()


def test_unusable_settings_are_refused(tmp_path):
    done = cluster(["run"], tmp_path, REDIS_LOCK_DB="zero")
    assert done.returncode == 2
    assert "REDIS_LOCK_DB must be a Redis database number" in done.stderr
    done = cluster(["run"], tmp_path, CLUSTER_PORT="eighty")
    assert done.returncode != 0 and "CLUSTER_PORT must be a whole number" in done.stderr


def test_config_prints_both_files_without_starting_anything(tmp_path):
    done = cluster(["config", "--rasa-servers", "3"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "server rasa3 127.0.0.1:5007 check" in done.stdout
    assert "[program:rasa-3]" in done.stdout


def test_the_environment_points_rasa_at_the_action_balancer(tmp_path):
    args = run.build_parser({}).parse_args(["run", "--action-balancer-port", "6000"])
    plan = run.make_plan(args, {"VAR_DIR": str(tmp_path)})
    env = run.cluster_environment(plan, {"ACTION_ENDPOINT_URL": "http://elsewhere/webhook"})
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6000/webhook"
    assert len(env["ACTION_SERVER_TOKEN"]) == 64
    assert env["PROXIES_COUNT"] == "1" and env["VAR_DIR"] == str(tmp_path.resolve())
    assert env["OPENBLAS_NUM_THREADS"] == env["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert run.cluster_environment(plan, {"ACTION_SERVER_TOKEN": "t"})["ACTION_SERVER_TOKEN"] == "t"


def test_wechat_joins_when_its_token_is_set_and_needs_all_three(tmp_path):
    args = run.build_parser({}).parse_args(["run"])
    plan = run.make_plan(args, {"VAR_DIR": str(tmp_path)})
    plan.run_dir.mkdir(parents=True)
    assert run.run_credentials(plan, {}) == plan.credentials
    assert run.wechat_problem({"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "a"}) == (
        "WECHAT_TOKEN is set, but WECHAT_APP_SECRET not: WeChat needs all three"
    )
    env = {"WECHAT_TOKEN": "t", "WECHAT_APP_ID": "a", "WECHAT_APP_SECRET": "s"}
    assert run.wechat_problem(env) is None
    combined = run.run_credentials(plan, env).read_text(encoding="utf-8")
    assert "\nwechat:" in combined and "\nsocketio:" in combined

"""Measure what a newcomer waits for: clean clone → `make setup` → `make train` → servers up.

Usage: ``python3 bench/first_run.py [--keep]`` from the project root. Prints seconds per phase.
The pip cache of the machine is used as it is (say so when you report the figures).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(label: str, command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    print(f"{label:<28}{seconds:8.0f} s", flush=True)
    return seconds


def _wait(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def main() -> int:
    """Run the phases in a scratch clone and print their durations."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the scratch clone")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="first-run-"))
    clone = scratch / "main"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        total = _timed("make setup (venv + lock)", ["make", "setup"], clone, env)
        total += _timed("make train", ["make", "train"], clone, env)
        rasa_port, action_port = _free_port(), _free_port()
        endpoints = scratch / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://localhost:{action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{scratch}/tracker.db"\n'
        )
        run_env = {
            **env,
            "RASA_PORT": str(rasa_port),
            "ACTION_PORT": str(action_port),
            "ENDPOINTS": str(endpoints),
        }
        started = time.monotonic()
        process = subprocess.Popen(
            ["./scripts/run.sh"],
            cwd=clone,
            env=run_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait(f"http://127.0.0.1:{rasa_port}/", 600)
            ready = time.monotonic() - started
            print(f"{'servers ready':<28}{ready:8.0f} s")
            total += ready
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
        print(f"{'first run in total':<28}{total:8.0f} s  ({os.cpu_count()} cores)")
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

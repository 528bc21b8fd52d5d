"""``scripts/run.sh`` started for a test module, and small helpers of the channel tests."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT, free_port, wait_for_http


def missing(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def tiny_png() -> bytes:
    """A valid 2×2 red PNG, made here so the test ships no binary file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xeb\x00\x28" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class Servers:
    """``scripts/run.sh`` with its own ports, databases, endpoints and VAR_DIR."""

    def __init__(self, tmp: Path, env: Mapping[str, str] | None = None) -> None:
        self.tmp = tmp
        self.extra_env = dict(env or {})
        self.rasa_port, self.action_port = free_port(), free_port()
        self.ticket_url = f"sqlite:///{tmp / 'tickets.db'}"
        self.var_dir = tmp / "var"
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://localhost:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n'
        )
        self.log = tmp / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/socketio/"

    def start(self) -> None:
        env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ENDPOINTS": str(self.endpoints),
            "DATABASE_URL": self.ticket_url,
            "VAR_DIR": str(self.var_dir),
            **self.extra_env,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["./scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 120, self.process)
        wait_for_http(f"http://127.0.0.1:{self.rasa_port}/", 300, self.process)

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=60)
            self.process = None

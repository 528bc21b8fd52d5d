"""Attack (or accident): ``kill -9`` the action server in the middle of an intake.

Before issue 15, ``scripts/run.sh`` (``make run``) stopped the whole assistant when the action
server died, and while no action could run every message got an empty reply. Now the action
server is restarted (with a line in the log) and, while an action cannot run, the owner gets
a short apology, once per message; the Rasa server dying still stops everything.

Runs ``scripts/run.sh`` as ``make run`` does, with the trained model, one Rasa worker, its own
ports, databases and an ``ENDPOINTS`` file that names no secret (run.sh makes one).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bench.stack import stack_processes
from tests.conftest import ROOT, free_port, wait_for_http

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.timeout(900)]

APOLOGY = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][
    "utter_action_unavailable"
][0]["text"]


class Stack:
    """``scripts/run.sh`` with free ports and its own files."""

    def __init__(self, tmp: Path) -> None:
        self.rasa_port, self.action_port = free_port(), free_port()
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n',
            encoding="utf-8",
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "ACTION_"))},
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ENDPOINTS": str(self.endpoints),
            "DATABASE_URL": f"sqlite:///{tmp / 'tickets.db'}",
            "VAR_DIR": str(tmp / "var"),
            "RASA_WORKERS": "1",
            "HANDOFF_WORKING_HOURS": "00:00-24:00",
        }
        self.log = tmp / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["./scripts/run.sh"], cwd=ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 180, self.process)
        wait_for_http(f"http://127.0.0.1:{self.rasa_port}/", 400, self.process)

    def pids(self, role: str) -> list[int]:
        assert self.process is not None
        return [p.pid for p in stack_processes(self.process.pid) if p.role == role]

    def say(self, sender: str, text: str) -> list[str]:
        answer = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        answer.raise_for_status()
        return [m.get("text", "") for m in answer.json()]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


@pytest.fixture
def stack(trained_model, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.stop()
        out = ROOT / "test-output"
        out.mkdir(exist_ok=True)
        (out / "action-outage-run.log").write_bytes(running.log.read_bytes())


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def test_killed_action_server_restarts_and_the_owner_hears_an_apology(stack: Stack) -> None:
    stack.start()
    assert any("型号" in t for t in stack.say("owner-a", "我的手机进水了"))

    [victim] = stack.pids("actions")
    os.kill(victim, signal.SIGKILL)

    # While it is down: an apology, once per message, instead of an empty reply. The second
    # owner's first message also fails the custom action_session_start.
    during = stack.say("owner-a", "一加 Ace 3")
    assert during.count(APOLOGY) == 1, during
    fresh = stack.say("owner-b", "你好")
    assert fresh.count(APOLOGY) == 1, fresh

    # The restart is logged, the new server answers, the intake carries on.
    wait_until(
        lambda: "action server exited (code 137), restarting" in stack.log_text(),
        30,
        "the restart line in the log",
    )
    wait_until(lambda: stack.pids("actions") not in ([], [victim]), 60, "a new action server")
    wait_for_http(f"http://127.0.0.1:{stack.action_port}/health", 120)
    after = stack.say("owner-a", "一加 Ace 3")
    assert APOLOGY not in after
    assert any("什么时候买" in t for t in after), after

    # The Rasa server dying still stops everything, the action server included.
    rasa = stack.pids("rasa")
    assert rasa
    os.kill(rasa[0], signal.SIGKILL)
    assert stack.process is not None
    stack.process.wait(timeout=60)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{stack.action_port}/health", timeout=5)


# --- on WeChat, in one process: a real agent whose action server is down or refuses --------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def refusing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A locked action server; the agent below does not know its secret, so it gets 403s."""
    from tests.security.rasa_app import locked_action_server

    with locked_action_server(tmp_path_factory.mktemp("refusing")) as (url, _):
        yield f"{url}/webhook"


@pytest.fixture
def wechat() -> Iterator[Any]:
    """A local fake of WeChat's API (tests/channels/wechat_fakes.py)."""
    from tests.channels.wechat_fakes import FakeWeChatApi

    fake = FakeWeChatApi().start()
    yield fake
    fake.stop()


@pytest.mark.anyio
async def test_a_wechat_owner_hears_the_apology_when_actions_cannot_run(
    trained_model, refusing_server: str, wechat
) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.channels.wechat import WeChatInput
    from bot.runtime import action_outage
    from tests.channels.wechat_fakes import (
        APP_ID,
        APP_SECRET,
        TOKEN,
        StubBot,
        message_xml,
        serve_channel,
    )

    down = f"http://127.0.0.1:{free_port()}/webhook"
    agent = Agent.load(str(trained_model), action_endpoint=EndpointConfig(url=down))
    channel = WeChatInput(
        token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, encoding_aes_key=None,
        api_base_url=wechat.base_url, reply_deadline=4.0,
    )  # fmt: skip
    action_outage.install()
    try:
        async with serve_channel(channel, StubBot(agent.handle_message), safe=False) as client:
            for number, endpoint in enumerate((down, refusing_server)):
                assert agent.processor is not None
                agent.processor.action_endpoint = EndpointConfig(url=endpoint)
                openid = f"oOutageOwner{number:016d}"
                reply = await client.post(
                    message_xml(
                        "text", openid=openid, msg_id=f"9{number}", Content="我的手机充不进电了"
                    )
                )
                said = [reply.content or "", *wechat.state.texts()]
                assert sum(text.count(APOLOGY) for text in said) == 1, (endpoint, said)
                with wechat.state.lock:
                    wechat.state.sent.clear()
    finally:
        action_outage.uninstall()


def test_a_crash_loop_backs_off_and_keeps_rasa_up(trained_model, tmp_path: Path) -> None:
    """An action server that cannot start (here: an address it cannot bind) is retried after
    1, 2, 4 ... s, not in a tight loop, and the Rasa server is not stopped for it."""
    stack = Stack(tmp_path)
    stack.env["ACTION_HOST"] = "192.0.2.1"  # TEST-NET-1: not an address of this machine
    with stack.log.open("ab") as log:
        stack.process = subprocess.Popen(
            ["./scripts/run.sh"], cwd=ROOT, env=stack.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(lambda: "restarting in 4 s" in stack.log_text(), 120, "three restarts")
        text = stack.log_text()
        delays = [
            line.rsplit("restarting in ", 1)[1]
            for line in text.splitlines()
            if "restarting in" in line
        ]
        assert delays[:3] == ["1 s", "2 s", "4 s"]
        assert "action server exited (code 1), restarting in 1 s" in text
        assert stack.process.poll() is None  # run.sh (and Rasa) still running
        assert stack.pids("rasa")
    finally:
        stack.stop()
        (ROOT / "test-output" / "action-crash-loop-run.log").write_bytes(stack.log.read_bytes())

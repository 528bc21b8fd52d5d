"""Widget notices: a status change by the ticket CLI is pushed into the owner's open widget.

The widget server (``tests.notify.widget_app``) runs the real socket.io channel with two
Sanic workers and the notice delivery in each; the owner's widget is a websocket client. Only
the worker holding the socket pushes; once the widget is closed, the notice becomes an SMS on
the fake provider.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.tickets import cli as tickets_cli
from bot.tickets import session_scope
from bot.tickets.notices import list_notices
from tests.conftest import ROOT, free_port, wait_for_http
from tests.notify.conftest import PHONE, make_ticket
from tests.notify.sms_fake import SMS_TOKEN, FakeSmsProvider
from tests.runtime.test_socketio_bus import WebsocketClient

WIDGET_WAIT_SECONDS = 3


@pytest.fixture
def widget_server(store: str, sms: FakeSmsProvider, tmp_path: Path) -> Iterator[str]:
    """The widget server with two workers on the test's store and SMS provider; its URL."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": store,
        "SOCKETIO_REDIS_URL": "",
        "SANIC_WORKERS": "2",
        "SMS_URL": sms.url,
        "SMS_TOKEN": SMS_TOKEN,
        "NOTIFY_INTERVAL_SECONDS": "0.2",
        "NOTIFY_WIDGET_WAIT_SECONDS": str(WIDGET_WAIT_SECONDS),
    }
    log = (tmp_path / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.notify.widget_app", str(port), "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/pid", 120, process)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
        log.close()


def statuses(url: str, number: str) -> list[tuple[str, str, str]]:
    with session_scope(url) as session:
        return [
            (n.channel, n.status, n.params["status"])
            for n in list_notices(session, ticket_no=number)
        ]


def test_a_status_change_is_pushed_to_the_open_widget_then_sent_by_sms_when_closed(
    widget_server, store, sms
):
    async def scenario() -> str:
        widget = WebsocketClient()
        await widget.connect(widget_server)
        await widget.emit("session_request", {"session_id": None})
        token = str(await widget.next("session_confirm"))
        session_id = token.rsplit(".", 2)[0]
        await widget.emit("user_uttered", {"message": "你好", "session_id": token})
        assert (await widget.next("bot_uttered"))["text"] == "echo 你好"  # type: ignore[index]
        number = make_ticket(store, channel="socketio", sender_id=session_id)
        code = await asyncio.to_thread(tickets_cli.main, ["set-status", number, "received"])
        assert code == 0
        pushed = await widget.next("bot_uttered", timeout=20)
        assert pushed["text"].startswith(f"您的维修单 {number} 有新进度：已收到手机。")  # type: ignore[index]
        await widget.close()
        return number

    number = asyncio.run(scenario())
    assert statuses(store, number) == [("web", "sent", "received")]
    assert sms.messages() == []
    # The widget is closed: the next notice waits for it, then goes by SMS.
    started = time.monotonic()
    assert tickets_cli.main(["set-status", number, "diagnosing"]) == 0
    [message] = sms.wait_for(1, timeout=WIDGET_WAIT_SECONDS + 20)
    assert time.monotonic() - started >= WIDGET_WAIT_SECONDS - 0.5
    assert message["to"] == PHONE
    assert message["text"].startswith(f"您的维修单 {number} 有新进度：检测中。")
    deadline = time.monotonic() + 10
    while statuses(store, number)[-1][1] != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert statuses(store, number) == [("web", "sent", "received"), ("sms", "sent", "diagnosing")]

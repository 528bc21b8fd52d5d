"""Start the servers the way `make run` does and talk to the bot over the REST webhook.

Also restarts both servers in the middle of an intake: the SQLite tracker store must keep the
conversation, so the intake carries on where it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.channels.rest import rest_sender_id
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.models import Ticket
from tests.conftest import ROOT, free_port, wait_for_http

pytestmark = [pytest.mark.model, pytest.mark.slow]

SENDER = "e2e-rest-user"


class Servers:
    """`scripts/run.sh` (what `make run` starts) with its own ports, databases and endpoints."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.rasa_port, self.action_port = free_port(), free_port()
        self.ticket_url = f"sqlite:///{tmp / 'tickets.db'}"
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://localhost:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tmp / "tracker.db"}"\n'
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tmp / "run.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ENDPOINTS": str(self.endpoints),
            "DATABASE_URL": self.ticket_url,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["./scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 120, self.process)
        wait_for_http(f"http://127.0.0.1:{self.rasa_port}/", 300, self.process)

    def stop(self) -> int:
        """Ctrl-C, as a user stops `make run`; returns the script's exit status."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=60)
        self.process = None
        return code

    def say(self, text: str) -> list[str]:
        response = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            json={"sender": SENDER, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return [m.get("text", "") for m in response.json()]


@pytest.fixture
def servers(trained_model, tmp_path):
    servers = Servers(tmp_path)
    yield servers
    if servers.process is not None:
        servers.stop()
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "make-run.log").write_bytes(servers.log.read_bytes())


def test_rest_conversation_survives_a_restart_and_writes_the_ticket(servers):
    servers.start()
    assert any("型号" in t for t in servers.say("我的手机充不进电了"))
    assert any("什么时候买" in t for t in servers.say("一加 Ace 3"))

    # Stopping both servers with Ctrl-C leaves no process behind ...
    servers.stop()
    for port in (servers.rasa_port, servers.action_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)

    # ... and after a restart the conversation carries on where it was.
    servers.start()
    assert any("IMEI" in t for t in servers.say("去年8月"))
    assert any("哪种方式" in t for t in servers.say("860011223344553"))
    assert any("城市" in t for t in servers.say("到店维修"))
    assert any("手机号" in t for t in servers.say("杭州"))
    summary = servers.say("13912345678")
    assert any("一加 Ace 3" in t and "139****5678" in t for t in summary)
    done = servers.say("确认")
    assert any("工单号" in t for t in done)

    with session_scope(servers.ticket_url) as session:
        query = select(Ticket).where(Ticket.sender_id == rest_sender_id(SENDER))
        rows = list(session.execute(query).scalars())
        session.expunge_all()
    assert len(rows) == 1
    ticket = rows[0]
    assert ticket.ticket_no in " ".join(done)
    assert ticket.ticket_no.startswith(f"R{get_settings().today():%Y%m%d}-")
    assert (ticket.channel, ticket.device_model_id, ticket.serial_number) == (
        "rest", "oneplus-ace-3", "860011223344553",
    )  # fmt: skip
    last_august = f"{get_settings().today().year - 1}-08-01"
    assert (ticket.purchase_date.isoformat(), ticket.warranty_status) == (
        last_august,
        "in_warranty",
    )
    assert (ticket.fault_category, ticket.service_type, ticket.city) == (
        "charging",
        "store",
        "杭州",
    )
    assert (ticket.contact_phone, ticket.status) == ("13912345678", "submitted")

"""Start the servers the way `make run` does and talk to the bot over the REST webhook.

Also restarts both servers in the middle of an intake: the SQLite tracker store must keep the
conversation, so the intake carries on where it was.
"""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.channels.rest import rest_sender_id
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.models import Ticket
from tests.channels import servers as servers_module
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]

SENDER = "e2e-rest-user"


class Servers(servers_module.Servers):
    """`scripts/run.sh` (what `make run` starts), talked to over the REST webhook."""

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
    # the charging fault's guided diagnosis first; the 直接报修 button skips it
    assert any("能充进电吗" in t for t in servers.say("我的手机充不进电了"))
    assert any("型号" in t for t in servers.say("/request_repair"))
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

"""Attack: restart the servers while a ticket is kept for a ticket store that is down.

The owner confirms an intake while the ticket store is unreachable and is told "your
request is kept, I will submit it when the system is back". The automatic retry was only a
reminder in the Rasa server's memory: after a restart nobody retried, and the request the
owner was promised was lost. Now the submit action writes it to the spool
(``VAR_DIR/ticket_spool.db``) before saying so, and the action server's retrier creates the
ticket when it starts again; the owner's next message finds it, and the ticket exists once.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.settings import get_settings
from bot.tickets import db as ticket_db
from bot.tickets.migrate import upgrade
from bot.tickets.retrier import drain
from bot.tickets.spool import PENDING, KeptTicket, TicketSpool
from tests.security.action_calls import (
    FULL_INTAKE,
    action_call,
    action_server,
    responses,
    tracker_state,
)

pytestmark = pytest.mark.timeout(240)

INTAKE_ID = "d" * 32
OWNER = "wechat-owner-1"
#: A PostgreSQL port nobody listens on: the ticket store is down.
STORE_DOWN = "postgresql://bot@127.0.0.1:1/tickets"


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(url, json=body, timeout=60)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def tickets(url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT ticket_no, intake_id, sender_id FROM tickets ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_kept_ticket_survives_a_restart_and_is_created_once(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    store_url = f"sqlite:///{tmp_path / 'tickets.db'}"
    intake = {**FULL_INTAKE, "intake_id": INTAKE_ID}
    confirm = tracker_state(OWNER, intake, text="确认", intent="affirm", input_channel="wechat")

    # 1. The store is down: the owner is told the request is kept; a retry is scheduled.
    down = {"DATABASE_URL": STORE_DOWN, "DB_CONNECT_TIMEOUT": "2", "VAR_DIR": str(var_dir)}
    with action_server(tmp_path / "before.log", down, retrier=True) as (url, process):
        kept = post(url, action_call("action_submit_ticket", confirm))
        # The server (and Rasa's reminder with it) dies.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    assert responses(kept) == ["utter_ticket_deferred"]
    assert [e["event"] for e in kept["events"]][-1] == "reminder"
    spooled = TicketSpool(var_dir / "ticket_spool.db").get(INTAKE_ID)
    assert spooled is not None and spooled.state == PENDING
    assert spooled.ticket.contact_phone == "13912345678"
    assert (var_dir / "ticket_spool.db").stat().st_mode & 0o077 == 0  # owner-only file

    # 2. The store is back; the action server starts again (fresh process, fresh state).
    upgrade(store_url)
    back = {"DATABASE_URL": store_url, "VAR_DIR": str(var_dir), "TICKET_SPOOL_RETRY_SECONDS": "1"}
    with action_server(tmp_path / "after.log", back, retrier=True) as (url, _):
        deadline = time.monotonic() + 30
        while not tickets(store_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        [(ticket_no, intake_id, sender_id)] = tickets(store_url)
        assert (intake_id, sender_id) == (INTAKE_ID, OWNER)

        # 3. The owner's next message finds the ticket: a greeting names it ...
        greet = post(url, action_call("action_greet", tracker_state(OWNER, intake)))
        assert responses(greet) == ["utter_greet_returning"]
        assert greet["responses"][0]["ticket_no"] == ticket_no
        # ... and "重新提交" (the slots still hold the intake) announces it as new, once.
        retried = post(url, action_call("action_submit_ticket", confirm))
        assert responses(retried)[0] == "utter_ticket_created"
        assert retried["responses"][0]["ticket_no"] == ticket_no
        assert "utter_ask_rating" in responses(retried)
        # A later retry (a reminder that still fires) creates nothing and says so.
        again = post(url, action_call("action_submit_ticket", confirm))
        assert responses(again)[0] == "utter_ticket_exists_already"
        time.sleep(1.5)  # another retrier round

    assert tickets(store_url) == [(ticket_no, INTAKE_ID, OWNER)]
    assert TicketSpool(var_dir / "ticket_spool.db").get(INTAKE_ID) is None


def test_retriers_racing_on_one_spool_create_one_ticket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    ticket_db.dispose_engines()
    upgrade(store_url)
    spool = TicketSpool(tmp_path / "var" / "ticket_spool.db")
    spool.keep(
        KeptTicket(
            intake_id=INTAKE_ID,
            sender_id=OWNER,
            channel="wechat",
            device_model_id="oneplus-12",
            serial_number="861234567890125",
            purchase_date=None,
            warranty_status="to_verify",
            fault_category="screen",
            fault_description="屏幕有绿线",
            service_type="store",
            city="成都",
            contact_phone="13912345678",
        )
    )
    try:
        # Two action servers on one machine drain the same spool at the same moment.
        start = threading.Barrier(4)

        def _drain() -> None:
            start.wait()
            drain(spool)

        threads = [threading.Thread(target=_drain) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        [(ticket_no, intake_id, _)] = tickets(store_url)
        entry = spool.get(INTAKE_ID)
        assert intake_id == INTAKE_ID
        assert entry is not None and (entry.state, entry.ticket_no) == ("created", ticket_no)
    finally:
        ticket_db.dispose_engines()
        get_settings.cache_clear()

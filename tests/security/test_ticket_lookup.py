"""Ticket lookup attacks, over HTTP against real action server processes and a real database.

Each test sends ``POST /webhook`` calls as Rasa would, with trackers an attacker controls:
enumerating ticket numbers, a phone number alone, brute-forcing a ticket's phone from many
conversations and two server processes, a forged ``verified_phones`` slot with 1000
numbers. The owner who mistypes the phone and then sends the right one still gets the
status. (The same owner's conversation with the trained model is in
tests/conversations/dialogues/self_service.yml.)
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot.tickets import TicketDraft, create_ticket, get_ticket, session_scope
from bot.tickets.db import dispose_engines
from bot.tickets.migrate import upgrade
from tests.conftest import free_port, wait_for_http

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
OWNER = "owner-conversation"
OWNER_PHONE = "13700001111"
WRONG_PHONE = "13700001112"
TOKEN = secrets.token_hex(16)
SERVER_COMMAND = (sys.executable, "-m", "bot.runtime.action_server", "--actions", "bot.actions")


class ActionServer:
    """One ``python -m bot.runtime.action_server`` process; ``call`` posts to its webhook."""

    def __init__(self, url: str, domain: dict[str, Any]) -> None:
        self.url = url
        self.domain = domain

    def call(
        self,
        action: str,
        sender: str,
        text: str,
        intent: str = "inform",
        entities: list[tuple[str, str]] | None = None,
        **slots: Any,
    ) -> dict[str, Any]:
        """Run ``action`` for a tracker whose latest message is ``text``; the JSON answer."""
        parse = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.99},
            "intent_ranking": [{"name": intent, "confidence": 0.99}],
            "entities": [
                {"entity": e, "value": v, "start": 0, "end": 0} for e, v in (entities or [])
            ],
        }
        tracker = {
            "sender_id": sender,
            "slots": slots,
            "latest_message": parse,
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": parse},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
        body = {
            "next_action": action,
            "sender_id": sender,
            "tracker": tracker,
            "domain": self.domain,
            "version": "3.6.2",
        }
        answer = requests.post(
            self.url, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def said(result: dict[str, Any]) -> list[str]:
    """The names of the responses in an action's answer."""
    return [str(r.get("response")) for r in result["responses"]]


def slots_after(slots: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The conversation's slots once Rasa has applied the answer's events."""
    updated = dict(slots)
    for event in result["events"]:
        if event.get("event") == "slot":
            updated[event["name"]] = event["value"]
    return {k: v for k, v in updated.items() if v is not None}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite ticket store shared by the servers of this module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('lookup') / 'tickets.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def servers(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    """Two action server processes on the same database."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "ACTION_SERVER_TOKEN": TOKEN,
        "ACTION_HOST": "127.0.0.1",
        "TICKET_VERIFY_MAX_PER_CONVERSATION": "5",
        "TICKET_VERIFY_MAX_PER_TICKET": "10",
        "PHONE_VERIFIER": "",
    }
    logs = tmp_path_factory.mktemp("logs")
    processes: list[subprocess.Popen[bytes]] = []
    running: list[ActionServer] = []
    try:
        for number in range(2):
            port = free_port()
            log = (logs / f"action-server-{number}.log").open("wb")
            process = subprocess.Popen(
                [*SERVER_COMMAND, "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            wait_for_http(f"http://127.0.0.1:{port}/health", 90, process)
            running.append(ActionServer(f"http://127.0.0.1:{port}/webhook", domain))
        yield running
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def ticket(database: str) -> Iterator[str]:
    """A fresh submitted ticket of the owner's conversation; its number."""
    with session_scope(database) as session:
        record, _created = create_ticket(
            session,
            TicketDraft(
                intake_id=secrets.token_hex(8),
                sender_id=OWNER,
                channel="rest",
                device_model_id="oneplus-12",
                serial_number="860011223344561",
                purchase_date=None,
                warranty_status="to_verify",
                fault_category="screen",
                fault_description="屏幕有绿线",
                service_type="mail_in",
                city=None,
                contact_phone=OWNER_PHONE,
            ),
        )
    yield record.ticket_no
    dispose_engines()


def unused_number(ticket_no: str) -> str:
    """A ticket number of the same day that does not exist (far above the sequence)."""
    return ticket_no[:-4] + "9" + ticket_no[-3:]


def without(result: dict[str, Any], ticket_no: str) -> str:
    """The answer as text with the ticket number asked about replaced by a placeholder."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True).replace(ticket_no, "<NO>")


def ask(server: ActionServer, sender: str, ticket_no: str, phone: str) -> dict[str, Any]:
    """Ask for ``ticket_no`` and answer the phone question with ``phone``; the last answer."""
    first = server.call(
        "action_check_repair_status",
        sender,
        f"查一下{ticket_no}",
        "check_repair_status",
        [("ticket_no", ticket_no)],
    )
    slots = slots_after({}, first)
    return server.call("action_check_repair_status", sender, phone, "inform", **slots)


def check(server: ActionServer, sender: str, ticket_no: str, phone: str) -> dict[str, Any]:
    """Ticket number and phone in one message."""
    return server.call(
        "action_check_repair_status",
        sender,
        f"查{ticket_no}，电话{phone}",
        "check_repair_status",
        [("ticket_no", ticket_no), ("phone_number", phone)],
    )


def test_unknown_number_and_wrong_phone_are_indistinguishable(
    servers: list[ActionServer], ticket: str
) -> None:
    server = servers[0]
    unknown = unused_number(ticket)

    asked_real = server.call(
        "action_check_repair_status",
        "enum-1",
        ticket,
        "check_repair_status",
        [("ticket_no", ticket)],
    )
    asked_fake = server.call(
        "action_check_repair_status",
        "enum-2",
        unknown,
        "check_repair_status",
        [("ticket_no", unknown)],
    )
    real = ask(server, "enum-3", ticket, WRONG_PHONE)
    fake = ask(server, "enum-4", unknown, WRONG_PHONE)

    assert said(asked_real) == ["utter_status_need_phone"]
    assert without(asked_real, ticket) == without(asked_fake, unknown)
    assert said(real) == ["utter_status_unverified"]
    assert without(real, ticket) == without(fake, unknown)


def test_a_phone_alone_reveals_no_ticket_of_another_conversation(
    servers: list[ActionServer], ticket: str
) -> None:
    server = servers[0]

    stranger = server.call(
        "action_check_repair_status", "phone-only", f"查{OWNER_PHONE}的进度", "check_repair_status"
    )
    cancel = server.call(
        "action_request_ticket_cancel", "phone-only", f"取消 {OWNER_PHONE}", "cancel"
    )
    owner = server.call(
        "action_check_repair_status", OWNER, f"查{OWNER_PHONE}的进度", "check_repair_status"
    )

    assert said(stranger) == ["utter_status_need_ticket_no"]
    assert ticket not in json.dumps(stranger) and "137****1111" not in json.dumps(stranger)
    assert said(cancel) == ["utter_ticket_cancel_none"]
    assert ticket in json.dumps(owner)  # the owner's own conversation still sees it


def test_failed_checks_lock_a_conversation_out(servers: list[ActionServer], ticket: str) -> None:
    server = servers[0]
    for n in range(5):  # walking through neighbouring ticket numbers
        guess = ticket[:-4] + f"{8000 + n:04d}"
        assert said(ask(server, "walker", guess, OWNER_PHONE)) == ["utter_status_unverified"]

    locked = check(server, "walker", ticket, OWNER_PHONE)

    assert said(locked) == ["utter_status_locked"]
    assert "utter_status_detail" not in said(locked)


def test_failed_checks_of_a_ticket_lock_it_in_every_conversation_and_process(
    servers: list[ActionServer], ticket: str
) -> None:
    for n in range(10):  # 10 conversations, alternating between the two processes
        guess = f"1370000{n:04d}"
        answer = ask(servers[n % 2], f"guesser-{n}", ticket, guess)
        assert said(answer)[-1] == "utter_status_unverified"

    locked = check(servers[1], "guesser-fresh", ticket, OWNER_PHONE)
    own = servers[0].call(
        "action_check_repair_status", OWNER, ticket, "check_repair_status", [("ticket_no", ticket)]
    )

    assert said(locked) == ["utter_status_locked"]
    assert said(own) == ["utter_status_detail"]


def test_forged_verified_phones_grant_nothing(
    servers: list[ActionServer], ticket: str, database: str
) -> None:
    server = servers[1]
    forged = [f"1370000{n:04d}" for n in range(1000, 2000)]
    assert OWNER_PHONE in forged

    status = server.call(
        "action_check_repair_status",
        "forger",
        ticket,
        "check_repair_status",
        [("ticket_no", ticket)],
        verified_phones=forged,
    )
    request = server.call(
        "action_request_ticket_cancel",
        "forger",
        f"取消{ticket}",
        "cancel",
        [("ticket_no", ticket)],
        verified_phones=forged,
    )
    confirm = server.call(
        "action_cancel_ticket",
        "forger",
        "确定",
        "affirm",
        verified_phones=forged,
        ticket_cancel_pending=True,
        ticket_cancel_no=ticket,
    )

    assert said(status) == ["utter_status_need_phone"]
    assert said(request) == ["utter_status_need_phone"]
    assert said(confirm) == ["utter_status_unverified"]
    with session_scope(database) as session:
        stored = get_ticket(session, ticket_no=ticket)
    assert stored is not None and stored.status == "submitted"


def test_cancelling_another_conversations_ticket_needs_its_number_and_phone(
    servers: list[ActionServer], ticket: str, database: str
) -> None:
    server = servers[0]
    request = server.call(
        "action_request_ticket_cancel", "helper", f"取消{ticket}", "cancel", [("ticket_no", ticket)]
    )
    slots = slots_after({}, request)
    proven = server.call("action_check_repair_status", "helper", OWNER_PHONE, "inform", **slots)
    slots = slots_after(slots, proven)
    confirm = server.call("action_cancel_ticket", "helper", "确定", "affirm", **slots)

    assert said(request) == ["utter_status_need_phone"]
    assert said(proven) == ["utter_status_detail", "utter_ask_ticket_cancel"]
    assert said(confirm) == ["utter_ticket_cancelled"]
    with session_scope(database) as session:
        stored = get_ticket(session, ticket_no=ticket)
    assert stored is not None and stored.status == "cancelled"


def test_an_owner_who_mistypes_the_phone_then_gets_the_status(
    servers: list[ActionServer], ticket: str
) -> None:
    server = servers[1]
    first = server.call(
        "action_check_repair_status", "owner-elsewhere", ticket, "check_repair_status",
        [("ticket_no", ticket)],
    )  # fmt: skip
    slots = slots_after({}, first)
    mistyped = server.call("action_check_repair_status", "owner-elsewhere", WRONG_PHONE, **slots)
    slots = slots_after(slots, mistyped)
    right = server.call("action_check_repair_status", "owner-elsewhere", OWNER_PHONE, **slots)

    assert said(mistyped) == ["utter_status_unverified"]
    # The question stays open, so Rasa's rules send the next number back to the check.
    assert slots["status_asked"] is True and slots["status_ticket_no"] == ticket
    assert said(right) == ["utter_status_detail"]

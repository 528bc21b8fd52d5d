"""Action calls as Rasa 3.6 sends them, and a real rasa_sdk action server to send them to.

Used by the "nothing lost, nothing blocked" attack tests (test_action_nonblocking,
test_sqlite_reads, test_kept_ticket_restart).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT, free_port, wait_for_http

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

#: The slots of a confirmed intake (store service in 成都) with a valid IMEI.
FULL_INTAKE: dict[str, Any] = {
    "fault_description": "屏幕有绿线",
    "fault_category": "screen",
    "device_model": "oneplus-12",
    "purchase_date": None,
    "purchase_date_precision": None,
    "serial_number": "861234567890125",
    "service_type": "store",
    "city": "成都",
    "contact_phone": "13912345678",
    "intake_confirmed": True,
}


def tracker_state(
    sender_id: str,
    slots: Mapping[str, Any] | None = None,
    *,
    text: str = "",
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    input_channel: str = "rest",
) -> dict[str, Any]:
    """The tracker of a conversation whose latest user message is ``text`` / ``intent``."""
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "entities": [
            {"start": 0, "end": 0, "extractor": "test", **entity} for entity in entities or []
        ],
    }
    return {
        "sender_id": sender_id,
        "slots": dict(slots or {}),
        "latest_message": parse_data,
        "events": [
            {"event": "action", "name": "action_listen"},
            {
                "event": "user",
                "text": text,
                "parse_data": parse_data,
                "input_channel": input_channel,
            },
        ],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }


def action_call(action: str, tracker: dict[str, Any]) -> dict[str, Any]:
    """The body of Rasa's ``POST /webhook`` to run ``action``."""
    return {
        "next_action": action,
        "sender_id": tracker["sender_id"],
        "tracker": tracker,
        "domain": DOMAIN,
        "version": "3.6.21",
    }


def responses(result: Mapping[str, Any]) -> list[str]:
    """The response names of an action server answer."""
    return [str(m.get("response")) for m in result.get("responses", [])]


#: The action server these tests start: rasa_sdk's own app for bot.actions, with the
#: offload of bot.runtime.action_threads when the first argument is "threads" and the
#: kept-ticket retrier of bot.tickets.retrier when the second is "retrier".
SERVER_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.INFO)
if sys.argv[1] == "threads":
    from bot.runtime.action_threads import install
    install()
from rasa_sdk.endpoint import create_app
app = create_app("bot.actions")
if sys.argv[2] == "retrier":
    from bot.tickets.retrier import attach
    attach(app)
app.run(host="127.0.0.1", port=int(sys.argv[3]), access_log=False)
"""


@contextlib.contextmanager
def action_server(
    log_file: Path, env: Mapping[str, str], *, threads: bool = True, retrier: bool = False
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run the action server in a new process with ``env``; yield its URL and the process."""
    port = free_port()
    variables = {**os.environ, "HANDOFF_WORKING_HOURS": "00:00-24:00", **env}
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER_SCRIPT,
                "threads" if threads else "loop",
                "retrier" if retrier else "none",
                str(port),
            ],
            cwd=ROOT,
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/health", 90, process)
            yield f"http://127.0.0.1:{port}/webhook", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

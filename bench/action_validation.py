"""Rasa's per-call validation of action responses against the validator built once (issue 14).

Usage: ``python bench/action_validation.py [--calls 2000]``. In-process: calls Rasa 3.6's stock
``RemoteAction._validate_action_result`` (``jsonschema.validate``: check_schema and a new
validator on every call) and the one ``bot.runtime.action_schema`` installs, on responses
shaped like the project's action server's (form validation, ticket creation, a handoff, an
answer with buttons). Prints the time per call of both and the ratio; writes
``bench/results/action_validation.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402
from rasa_sdk.events import (  # noqa: E402
    ActiveLoop,
    ConversationPaused,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from bench.stack import run_stamp  # noqa: E402
from bot.actions.common import clear_pending, reset_intake  # noqa: E402
from bot.runtime.action_schema import STOCK_VALIDATE, install, validate_action_result  # noqa: E402

OUT = ROOT / "bench" / "results" / "action_validation.json"


def message(response: str, **extra: Any) -> dict[str, Any]:
    """A message exactly as the action server's ``CollectingDispatcher`` records it."""
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=response, **extra)
    return dispatcher.messages[0]


BUTTONS = [
    {"title": "寄修", "payload": '/inform{"service_type": "mail_in"}'},
    {"title": "到店", "payload": '/inform{"service_type": "store"}'},
    {"title": "上门", "payload": '/inform{"service_type": "home"}'},
]
#: name → an action server response like the project's.
RESPONSES: dict[str, dict[str, Any]] = {
    "answer, no events": {"events": [], "responses": [message("utter_faq_hours")]},
    "form validation": {
        "events": [
            SlotSet("device_model", "oneplus-12"),
            SlotSet("fault_category", "charging"),
            SlotSet("intake_failures", {"device_model": 0}),
            SlotSet("requested_slot", "purchase_date"),
        ],
        "responses": [message("utter_ask_purchase_date")],
    },
    "question with buttons": {
        "events": [SlotSet("skipped_slots", []), SlotSet("requested_slot", "service_type")],
        "responses": [message("utter_ask_service_type", buttons=BUTTONS)],
    },
    "ticket created": {
        "events": [*reset_intake(), SlotSet("ticket_no", "SH2603010001"), *clear_pending()],
        "responses": [
            message("utter_ticket_created", ticket_no="SH2603010001"),
            message("utter_next_step_mail_in", city="北京", phone="138****5678"),
            message("utter_ask_rating"),
        ],
    },
    "handoff": {
        "events": [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("callback_step", None),
            SlotSet("handoff_reason", None),
            ConversationPaused(),
        ],
        "responses": [message("utter_handoff_queued", position=2)],
    },
    "follow-up": {"events": [FollowupAction("repair_form")], "responses": []},
}


Validate = Callable[[RemoteAction, dict[str, Any]], bool]


def per_call_us(validate: Validate, responses: list[dict[str, Any]], calls: int) -> float:
    """Mean µs per call of ``validate`` cycling through ``responses``, best of three rounds."""
    action = RemoteAction("action_submit_ticket", EndpointConfig("http://localhost:5055/webhook"))
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for index in range(calls):
            validate(action, responses[index % len(responses)])
        rounds.append((time.perf_counter() - start) / calls * 1e6)
    return min(rounds)


def main() -> None:
    """Time both, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (3 rounds)")
    args = parser.parse_args()
    install()  # builds the validator (its one check_schema) outside the timing
    stock_calls = max(args.calls // 10, 60)  # the stock one is slow: fewer calls suffice
    mixed = list(RESPONSES.values())
    stock = per_call_us(STOCK_VALIDATE, mixed, stock_calls)
    installed = per_call_us(validate_action_result, mixed, args.calls)
    per_response = {
        name: {
            "events": len(response.get("events", [])),
            "stock_us": round(per_call_us(STOCK_VALIDATE, [response], stock_calls), 1),
            "installed_us": round(per_call_us(validate_action_result, [response], args.calls), 1),
        }
        for name, response in RESPONSES.items()
    }
    report = {
        **run_stamp(),
        "stock_us_per_call": round(stock, 1),
        "installed_us_per_call": round(installed, 1),
        "speedup": round(stock / installed, 1),
        "calls": {"stock": stock_calls * 3, "installed": args.calls * 3},
        "per_response": per_response,
        "python": platform.python_version(),
    }
    print(f"{'response':24} {'events':>6} {'stock µs':>10} {'installed µs':>13} {'ratio':>6}")
    for name, row in per_response.items():
        ratio = row["stock_us"] / row["installed_us"]
        print(
            f"{name:24} {row['events']:>6} {row['stock_us']:>10.1f} "
            f"{row['installed_us']:>13.1f} {ratio:>5.0f}x"
        )
    print(
        f"{'all (mixed)':24} {'':>6} {stock:>10.1f} {installed:>13.1f} {stock / installed:>5.0f}x"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

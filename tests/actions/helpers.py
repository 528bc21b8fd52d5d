"""Helpers shared by the action tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk.events import BotUttered, SlotSet

from bot.tickets import session_scope, set_status

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: When the tickets of the ticket tests are created; their numbers are R20260520-....
NOON = dt.datetime(2026, 5, 20, 12, 0, tzinfo=SHANGHAI)

# The follow-up questions outside the intake (slots.pending of bot/data/catalog/dialogue.yml),
# spelled out here so that a change to that list shows up in the tests.
PENDING = (
    "status_asked",
    "status_ticket_no",
    "ticket_cancel_pending",
    "ticket_cancel_no",
    "centre_city_asked",
    "price_asked",
    "price_part",
    "rating_pending",
    "rating_context",
    # after-sales: quotes
    "quote_decline_pending",
    "quote_ticket_no",
    "quote_id",
    # after-sales: pickup
    "pickup_proof_no",
)

# Every slot of one intake (bot/actions/dialogue.py INTAKE_SLOTS: the form's slots and
# slots.intake of dialogue.yml, in the domain's order, then requested_slot), spelled out too.
INTAKE = (
    "device_model",
    "serial_number",
    "purchase_date",
    "purchase_date_precision",
    "fault_description",
    "fault_category",
    "fault_brief",
    "service_type",
    "city",
    "contact_phone",
    "existing_ticket_no",
    "duplicate_confirmed",
    "intake_confirmed",
    "intake_id",
    "intake_failures",
    "skipped_slots",
    # after-sales: guided diagnosis
    "diagnosis",
    "diagnosis_step",
    "diagnosis_tried",
    "warranty_status",
    # after-sales: 三包
    "remedy",
    "cancel_pending",
    "ticket_pending",
    "ticket_retries",
    "requested_slot",
)

# An intake's id, and its slots collected before each question of the form, in its order.
INTAKE_ID = "0123456789abcdef0123456789abcdef"


def slots(**values: Any) -> dict[str, Any]:
    """Slots of an intake that already has its id."""
    return {"intake_id": INTAKE_ID, **values}


# (the screen fault's guided diagnosis over: the steps are tests/actions/test_diagnosis.py's)
BEFORE_DEVICE = slots(fault_description="屏幕有绿线", fault_category="screen", diagnosis="repair")
BEFORE_DATE = {**BEFORE_DEVICE, "device_model": "oneplus-12"}
BEFORE_SERIAL = {
    **BEFORE_DATE,
    "purchase_date": "2025-03-01",
    "purchase_date_precision": "month",
}
BEFORE_SERVICE = {**BEFORE_SERIAL, "serial_number": "861234567890127"}
BEFORE_PHONE = {**BEFORE_SERVICE, "service_type": "mail_in"}
BEFORE_CITY = {**BEFORE_SERVICE, "service_type": "store"}


def msg(response: str, buttons: list[dict[str, Any]] | None = None, **kwargs: Any) -> dict:
    """A message exactly as ``CollectingDispatcher.utter_message(response=...)`` records it."""
    return {
        "text": None,
        "buttons": buttons or [],
        "elements": [],
        "custom": {},
        "template": response,
        "response": response,
        "image": None,
        "attachment": None,
        **kwargs,
    }


def cn(day: dt.date) -> str:
    """A date as the bot writes it."""
    return f"{day.year}年{day.month}月{day.day}日"


def months_back(today: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def cleared(*keep: str) -> list[dict[str, Any]]:
    """The ``SlotSet(..., None)`` events of ``clear_pending(*keep)``, in their order."""
    return [SlotSet(slot, None) for slot in PENDING if slot not in keep]


def reset() -> list[dict[str, Any]]:
    """The ``SlotSet(..., None)`` events of ``reset_intake()``, in their order."""
    return [SlotSet(slot, None) for slot in INTAKE]


def change_status(ticket_no: str, status: str, day: int = 1, **kwargs: Any) -> None:
    """An engineer sets the ticket's ``status`` ``day`` days after :data:`NOON`."""
    with session_scope() as session:
        set_status(
            session,
            ticket_no=ticket_no,
            status=status,
            changed_by="engineer",
            now=NOON + dt.timedelta(days=day),
            **kwargs,
        )


def bot_said(response: str) -> dict[str, Any]:
    """A ``bot`` event of a response, as Rasa records it (metadata ``utter_action``)."""
    return BotUttered("…", metadata={"utter_action": response})


def message_values(messages: Iterable[dict[str, Any]]) -> list[str]:
    """Every value of every message (text, kwargs, buttons) as text."""
    return [repr(value) for message in messages for value in message.values()]

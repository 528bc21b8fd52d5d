"""Helpers shared by the ticket store's tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from bot.tickets import TicketDraft, TicketRecord, create_ticket, session_scope

#: The newest migration: a new one changes this line (and the tables the tests expect).
HEAD = "0017_missed_messages"


def new_ticket(
    session: Session, *, now: dt.datetime | None = None, **fields: Any
) -> tuple[TicketRecord, bool]:
    """``create_ticket`` of a draft given as keyword arguments (``ticket_fields()`` style).

    Args:
        session: Session of the test.
        now: Creation time, as ``create_ticket`` takes it.
        **fields: The draft's fields.

    Returns:
        What ``create_ticket`` returns.
    """
    return create_ticket(session, TicketDraft(**fields), now=now)


def ticket_fields_of(**overrides: Any) -> dict[str, Any]:
    """Valid create_ticket keyword arguments, with overrides."""
    fields: dict[str, Any] = {
        "intake_id": f"intake-{uuid.uuid4().hex}",
        "sender_id": "user-1",
        "channel": "rest",
        "device_model_id": "huawei_mate_60",
        "serial_number": "861234567890123",
        "purchase_date": dt.date(2026, 3, 1),
        "warranty_status": "in_warranty",
        "fault_category": "screen",
        "fault_description": "屏幕碎了",
        "service_type": "mail_in",
        "city": "深圳",
        "contact_phone": "13800138000",
        "now": dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc),
    }
    fields.update(overrides)
    return fields


def console_ticket(**overrides: Any) -> TicketRecord:
    """A ticket as the console's tests use it (a OnePlus 12 sent in by a WeChat user).

    Created in its own transaction on the configured store; keyword arguments override
    the fields (``now=None``, the default, is the current time).
    """
    fields = ticket_fields_of(
        sender_id="s-1",
        channel="wechat",
        device_model_id="oneplus-12",
        serial_number=None,
        purchase_date=None,
        warranty_status="to_verify",
        fault_description="屏幕有绿线",
        city=None,
        contact_phone="13912345678",
        now=None,
    )
    fields.update(overrides)
    with session_scope() as session:
        ticket, _ = new_ticket(session, **fields)
    return ticket

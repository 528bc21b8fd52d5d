"""Helpers shared by the ticket store's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from bot.tickets import TicketDraft, TicketRecord, create_ticket

#: The newest migration: a new one changes this line (and the tables the tests expect).
HEAD = "0014_agent_roles"


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

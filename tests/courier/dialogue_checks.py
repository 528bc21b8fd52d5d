"""The ``pickups`` expectation of conversation tests (tests/conversations/harness.py).

``pickups:`` lists the main user's last ticket's pickups (or those of ``pickups_ticket:``),
oldest first, each a mapping of columns to expected values; ``window_start`` /
``window_end`` are ``HH:MM`` and ``days_ahead`` is the pickup date less today (business
time zone).
"""

from __future__ import annotations

from typing import Any

from bot.settings import get_settings
from bot.tickets import find_tickets_by_sender, session_scope
from bot.tickets.pickups import list_pickups


def check_pickups(
    expected: list[dict[str, Any]] | None, url: str, sender_id: str, ticket_no: str | None = None
) -> None:
    """Assert the pickups of ``sender_id``'s last ticket, or of ``ticket_no`` when given
    (``pickups_ticket:``, e.g. ``"{before_ticket}"``); nothing when not expected.
    """
    if expected is None:
        return
    today = get_settings().today()
    with session_scope(url) as session:
        if ticket_no is None:
            tickets = find_tickets_by_sender(session, sender_id=sender_id)
            assert tickets, "a ticket with pickups was expected"
            ticket_no = max(tickets, key=lambda t: t.created_at).ticket_no
        pickups = list_pickups(session, ticket_no=ticket_no)
    assert len(pickups) == len(expected), f"pickups: {pickups}"
    for pickup, columns in zip(pickups, expected, strict=True):
        for column, value in columns.items():
            if column == "days_ahead":
                actual: Any = (pickup.pickup_date - today).days
            elif column in ("window_start", "window_end"):
                actual = f"{getattr(pickup, column):%H:%M}"
            else:
                actual = getattr(pickup, column)
            assert actual == value, f"pickup column {column}: {actual!r} != {value!r}"

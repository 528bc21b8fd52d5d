"""Whole conversations in Chinese against the trained model, the action server and the DB.

Each YAML file in ``dialogues/`` lists conversations: for every user message, the exact bot
responses (by response name) and optionally slot values; at the end, the ticket row expected
in the database (or that there is none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.models import Ticket
from tests.conversations.harness import expand

pytestmark = [pytest.mark.model, pytest.mark.slow]

DIALOGUES = Path(__file__).parent / "dialogues"


def _load() -> list[Any]:
    cases = []
    for path in sorted(DIALOGUES.glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _tickets(url: str, sender_id: str) -> list[Ticket]:
    with session_scope(url) as session:
        rows = session.execute(select(Ticket).where(Ticket.sender_id == sender_id)).scalars()
        tickets = list(rows)
        session.expunge_all()
    return tickets


@pytest.mark.parametrize("case", _load())
def test_dialogue(case, conversation, session_ticket_db):
    today = get_settings().today()
    for setup in case.get("before", []):
        # Another conversation of the same user, e.g. an earlier ticket for the same phone.
        conversation.sender_id = setup["sender"]
        for text in setup["say"]:
            conversation.say(str(text))
    conversation.sender_id = f"{conversation.sender_id}-main"
    for number, turn in enumerate(case["turns"], start=1):
        result = conversation.say(str(turn["user"]))
        where = f"turn {number} «{turn['user']}» got {result.responses} {result.texts}"
        assert result.responses == turn["bot"], where
        for slot, value in (turn.get("slots") or {}).items():
            assert result.slots.get(slot) == expand(value, today), f"{where}: slot {slot}"
        for text in turn.get("says") or []:
            assert any(text in t for t in result.texts), f"{where}: no text containing {text}"
    tickets = _tickets(session_ticket_db, conversation.sender_id)
    expected = case.get("ticket")
    if expected is None:
        assert tickets == [], "no ticket was expected"
        return
    assert len(tickets) == 1, f"exactly one ticket expected, found {len(tickets)}"
    row = tickets[0]
    for column, value in expected.items():
        actual = getattr(row, column)
        actual = actual.isoformat() if hasattr(actual, "isoformat") else actual
        assert actual == expand(value, today), f"ticket column {column}"
    assert row.status == "submitted"
    assert row.ticket_no.startswith(f"R{today:%Y%m%d}-")

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
from bot.tickets import session_scope, set_status
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


def _fill(text: str, placeholders: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders of earlier tickets; other braces (payloads) stay."""
    for name, value in placeholders.items():
        text = text.replace("{" + name + "}", value)
    return text


def _prepare(case: dict[str, Any], conversation: Any, url: str) -> dict[str, str]:
    """Run the ``before`` conversations; returns placeholders for their last ticket."""
    placeholders: dict[str, str] = {}
    main_sender = conversation.sender_id
    for setup in case.get("before", []):
        # Another conversation, e.g. an earlier ticket of the same user or of a stranger.
        conversation.sender_id = f"{main_sender}-{setup['sender']}"
        for text in setup["say"]:
            conversation.say(str(text))
        created = _tickets(url, conversation.sender_id)
        if created:
            ticket_no = created[-1].ticket_no
            placeholders["before_ticket"] = ticket_no
            for status in setup.get("then_status") or []:
                with session_scope(url) as session:
                    set_status(session, ticket_no=ticket_no, status=status, changed_by="test")
    conversation.sender_id = main_sender
    return placeholders


@pytest.mark.parametrize("case", _load())
def test_dialogue(case, conversation, session_ticket_db):
    today = get_settings().today()
    placeholders = _prepare(case, conversation, session_ticket_db)
    conversation.sender_id = f"{conversation.sender_id}-main"
    for setup_text in case.get("main_before", []):
        # Earlier messages of the main user that only set the scene.
        conversation.say(_fill(str(setup_text), placeholders))
    for number, turn in enumerate(case["turns"], start=1):
        result = conversation.say(_fill(str(turn["user"]), placeholders))
        where = f"turn {number} «{turn['user']}» got {result.responses} {result.texts}"
        assert result.responses == turn["bot"], where
        for slot, value in (turn.get("slots") or {}).items():
            assert result.slots.get(slot) == expand(value, today), f"{where}: slot {slot}"
        for text in turn.get("says") or []:
            text = _fill(str(text), placeholders)
            assert any(text in t for t in result.texts), f"{where}: no text containing {text}"
        for text in turn.get("never_says") or []:
            assert not any(str(text) in t for t in result.texts), f"{where}: says {text}"
    tickets = _tickets(session_ticket_db, conversation.sender_id)
    expected = case.get("ticket")
    if expected is None:
        assert tickets == [], "no ticket was expected"
        return
    assert len(tickets) == 1, f"exactly one ticket expected, found {len(tickets)}"
    row = tickets[0]
    for column, value in expected.items():
        if column == "status":
            continue
        actual = getattr(row, column)
        actual = actual.isoformat() if hasattr(actual, "isoformat") else actual
        assert actual == expand(value, today), f"ticket column {column}"
    assert row.status == expected.get("status", "submitted")
    assert row.ticket_no.startswith(f"R{today:%Y%m%d}-")

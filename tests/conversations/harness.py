"""Hold real conversations with the trained model and the real action server."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from sqlalchemy import select

from bot.intake.quote_parts import parse_part, parse_yuan
from bot.settings import get_settings
from bot.tickets import create_agent, session_scope, set_presence, set_status
from bot.tickets.agents import get_agent_by_username
from bot.tickets.models import Ticket
from bot.tickets.quotes import QuotePart, list_quotes, set_quote
from tests.courier.dialogue_checks import check_pickups


@dataclass
class Turn:
    """What the bot did in answer to one user message."""

    user: str
    responses: list[str]
    texts: list[str]
    buttons: list[list[dict[str, Any]]]
    slots: dict[str, Any] = field(default_factory=dict)


class Conversation:
    """One user talking to the agent; each ``say`` returns the bot's responses by name."""

    def __init__(self, agent: Agent, loop: asyncio.AbstractEventLoop, sender_id: str) -> None:
        self.agent = agent
        self.loop = loop
        self.sender_id = sender_id

    def say(self, text: str) -> Turn:
        """Send ``text`` (or a ``/intent{...}`` payload) and collect the bot's answer."""
        return self.loop.run_until_complete(self._say(text))

    async def _say(self, text: str) -> Turn:
        tracker_before = await self.agent.tracker_store.get_or_create_tracker(self.sender_id)
        seen = len(tracker_before.events)
        channel = CollectingOutputChannel()
        await self.agent.handle_message(
            UserMessage(text, channel, self.sender_id, input_channel="rest")
        )
        tracker = await self.agent.tracker_store.get_or_create_tracker(self.sender_id)
        uttered = [e for e in list(tracker.events)[seen:] if isinstance(e, BotUttered)]
        return Turn(
            user=text,
            responses=[str(e.metadata.get("utter_action") or "<text>") for e in uttered],
            texts=[e.text or "" for e in uttered],
            buttons=[list(e.data.get("buttons") or []) for e in uttered],
            slots=tracker.current_slot_values(),
        )


def expand(value: Any, today: dt.date) -> Any:
    """Fill ``{last_year}``, ``{this_year}`` and ``{today}`` placeholders in expectations."""
    if isinstance(value, str):
        return value.format(last_year=today.year - 1, this_year=today.year, today=today.isoformat())
    return value


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


def _staff_steps(steps: dict[str, Any] | None, url: str, sender_id: str) -> dict[str, str]:
    """Staff work on the main user's last ticket before the turns: ``status`` changes, then a
    ``quote`` (``parts`` NAME: YUAN, ``labour`` YUAN). Returns the ``{main_ticket}`` placeholder
    and, with a quote, ``{main_quote}`` (its id).
    """
    if not steps:
        return {}
    ticket_no = _tickets(url, sender_id)[-1].ticket_no
    placeholders = {"main_ticket": ticket_no}
    with session_scope(url) as session:
        for status in steps.get("status") or []:
            set_status(session, ticket_no=ticket_no, status=status, changed_by="test")
        quote = steps.get("quote")
        if quote:
            lines = [parse_part(f"{name}={yuan}") for name, yuan in quote["parts"].items()]
            placeholders["main_quote"] = str(  # after-sales: quotes (the quote's id)
                set_quote(
                    session,
                    ticket_no=ticket_no,
                    parts=[QuotePart(p.name, p.amount_fen, p.part_id) for p in lines],
                    labour_fen=parse_yuan(str(quote.get("labour", 0))),
                    set_by="test",
                ).id
            )
    return placeholders


def _check_quotes(expected: list[str] | None, url: str, sender_id: str) -> None:
    """The statuses of the main user's last ticket's quotes, oldest first (when given)."""
    if expected is None:
        return
    ticket_no = _tickets(url, sender_id)[-1].ticket_no
    with session_scope(url) as session:
        quotes = list_quotes(session, ticket_no=ticket_no)
    assert [q.status for q in quotes] == expected, "quote statuses"
    for quote in quotes:
        if quote.status in ("approved", "declined"):
            assert quote.decided_via == "chat", "decided in chat"


def _check_notices(expected: dict[str, Any] | None, url: str, sender_id: str) -> None:
    """After the turns, staff ``then_status`` changes on the main user's last ticket; then the
    statuses of its notices to the owner, oldest first, are ``statuses`` (when given)."""
    if expected is None:
        return
    from bot.tickets.notices import list_notices

    ticket_no = _tickets(url, sender_id)[-1].ticket_no
    with session_scope(url) as session:
        for status in expected.get("then_status") or []:
            set_status(session, ticket_no=ticket_no, status=status, changed_by="test")
    with session_scope(url) as session:
        notices = list_notices(session, ticket_no=ticket_no)
    assert [n.status for n in notices] == expected["statuses"], "notice statuses"


def _import_warranty_cards(cards: list[dict[str, Any]] | None, url: str, today: dt.date) -> None:
    """Electronic warranty cards (``imei``, ``device_model``, ``days_ago``) the brand imported."""
    from bot.tickets.warranty_cards import CardRow, import_cards

    rows = [
        CardRow(0, str(c["imei"]), c["device_model"], today - dt.timedelta(days=c["days_ago"]))
        for c in cards or []
    ]
    with session_scope(url) as session:
        import_cards(session, rows, source="dialogue")


def agents_online(usernames: list[str] | None, url: str) -> None:
    """Sign agents in to the console as online (the bot queues chats only then)."""
    with session_scope(url) as session:
        for username in usernames or []:
            found = get_agent_by_username(session, username=username)
            agent = (
                found[0]
                if found
                else create_agent(
                    session, username=username, display_name=username, password_hash="x"
                )
            )
            set_presence(session, agent_id=agent.id, presence="online")


def run_dialogue(case: dict[str, Any], conversation: Conversation, url: str) -> None:
    """Hold one conversation of a dialogue file and check every turn and the ticket."""
    today = get_settings().today()
    agents_online(case.get("agents_online"), url)  # agent tools: presence
    placeholders = _prepare(case, conversation, url)
    _import_warranty_cards(case.get("warranty_cards"), url, today)  # after-sales: 三包
    conversation.sender_id = f"{conversation.sender_id}-main"
    for setup_text in case.get("main_before", []):
        # Earlier messages of the main user that only set the scene.
        conversation.say(_fill(str(setup_text), placeholders))
    placeholders.update(_staff_steps(case.get("main_staff"), url, conversation.sender_id))
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
    _check_quotes(case.get("quotes"), url, conversation.sender_id)
    # after-sales: pickup
    pickups_of = _fill(str(case.get("pickups_ticket") or ""), placeholders) or None
    check_pickups(case.get("pickups"), url, conversation.sender_id, pickups_of)
    _check_notices(case.get("notices"), url, conversation.sender_id)  # after-sales: notices
    tickets = _tickets(url, conversation.sender_id)
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

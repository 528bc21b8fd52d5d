"""Signs of widget owners waiting for an agent: here while a socket is open, gone after."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.web.owners import OwnerSockets
from bot.settings import get_settings
from bot.tickets import get_handoff, open_handoff, session_scope
from bot.tickets.db import dispose_engines
from tests.conftest import migrated_ticket_store


@pytest.fixture(autouse=True)
def ticket_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    yield from migrated_ticket_store(monkeypatch, tmp_path)


def queued(sender_id: str) -> int:
    with session_scope() as session:
        handoff, _ = open_handoff(
            session, sender_id=sender_id, channel="socketio", reason="request_human", summary={}
        )
        return handoff.id


def signs(handoff_id: int) -> tuple[bool, bool]:
    """(seen recorded, departure recorded) of a handoff."""
    from bot.tickets.models import Handoff

    with session_scope() as session:
        get_handoff(session, handoff_id=handoff_id)  # exists
        row = session.get(Handoff, handoff_id)
        return row.owner_seen_at is not None, row.owner_left_at is not None


def test_the_last_socket_closing_is_a_departure_and_a_new_one_a_return() -> None:
    owners = OwnerSockets()
    handoff_id = queued("s1")
    asyncio.run(owners.opened("sid-1", "s1"))
    asyncio.run(owners.opened("sid-2", "s1"))  # a second tab
    assert signs(handoff_id) == (True, False)
    asyncio.run(owners.closed("sid-1"))
    assert signs(handoff_id) == (True, False)  # the other tab is still open
    asyncio.run(owners.closed("sid-2"))
    assert signs(handoff_id) == (True, True)
    asyncio.run(owners.closed("sid-2"))  # an unknown socket changes nothing
    asyncio.run(owners.wrote("sid-3", "s1"))  # back, writing from a new socket
    assert signs(handoff_id) == (True, False)
    assert owners.senders() == ["s1"]


def test_refresh_marks_every_connected_owner() -> None:
    owners = OwnerSockets()
    first, second, other = queued("a"), queued("b"), queued("c")
    owners._sessions.update({"x": "a", "y": "b"})  # connected before their chats were queued
    asyncio.run(owners.refresh())
    assert [signs(h)[0] for h in (first, second, other)] == [True, True, False]


def test_a_store_outage_never_disturbs_the_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    owners = OwnerSockets()
    monkeypatch.setenv("DATABASE_URL", "postgresql://127.0.0.1:1/x")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "1")
    get_settings.cache_clear()
    dispose_engines()
    asyncio.run(owners.opened("sid-1", "s1"))
    asyncio.run(owners.closed("sid-1"))
    asyncio.run(owners.refresh())
    assert owners.senders() == []

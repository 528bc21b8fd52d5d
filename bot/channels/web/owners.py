"""Signs of widget users waiting for an agent: which sessions have a socket open here.

The web widget keeps a socket.io connection open while its page is open. For a chat queued
for an agent (:mod:`bot.tickets.handoffs`), this module tells the ticket store:

- the owner is here when a socket asks for (or resumes) the session or sends a message, and
  again every :data:`REFRESH_SECONDS` while a socket of theirs is connected to this process
  (so a long silent wait with the page open is not taken for leaving);
- the owner left when the last socket of their session in this process disconnects (a
  closed tab or lost network; a reload reconnects within ``widget_gone_seconds``).

The console ends queued chats whose owner left (:mod:`bot.console.abandon`). A session open on
two servers at once is one owner: a socket still open elsewhere refreshes the sign there, and
its reconnection clears a departure. Store failures are logged and never disturb the chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sanic import Blueprint

from bot.runtime.background import run_while_serving
from bot.tickets import TicketStoreUnavailable, owner_left, owner_seen, session_scope

logger = logging.getLogger(__name__)

#: Seconds between two refreshes of the connected owners' sign.
REFRESH_SECONDS = 60.0


def _seen(sender_ids: list[str]) -> None:
    with session_scope() as session:
        owner_seen(session, sender_ids=sender_ids)


def _left(sender_id: str) -> None:
    with session_scope() as session:
        owner_left(session, sender_id=sender_id)


async def _store(work: Callable[..., None], *args: Any) -> None:
    try:
        await asyncio.to_thread(work, *args)
    except TicketStoreUnavailable:
        logger.warning("widget owners: ticket store unavailable, sign not recorded")
    except Exception:  # a sign is never worth a failed chat
        logger.exception("widget owners: sign not recorded")


class OwnerSockets:
    """The widget sessions with a socket open in this process (socket id -> session id)."""

    def __init__(self) -> None:
        """No socket yet."""
        self._sessions: dict[str, str] = {}

    def senders(self) -> list[str]:
        """The sessions with at least one socket here, sorted."""
        return sorted(set(self._sessions.values()))

    async def opened(self, sid: str, sender_id: str) -> None:
        """A socket asked for or resumed ``sender_id``: the owner is here."""
        self._sessions[sid] = sender_id
        await _store(_seen, [sender_id])

    async def wrote(self, sid: str, sender_id: str) -> None:
        """A socket sent a message as ``sender_id`` (recorded once per socket and session)."""
        if self._sessions.get(sid) != sender_id:
            await self.opened(sid, sender_id)

    async def closed(self, sid: str) -> None:
        """A socket disconnected: the owner left if it was their last one here."""
        sender_id = self._sessions.pop(sid, None)
        if sender_id is not None and sender_id not in self._sessions.values():
            await _store(_left, sender_id)

    async def refresh(self) -> None:
        """Record a sign of every owner with a socket open here."""
        senders = self.senders()
        if senders:
            await _store(_seen, senders)


def refresh_periodically(bp: Blueprint, owners: OwnerSockets) -> None:
    """Refresh the connected owners' sign every :data:`REFRESH_SECONDS` while serving."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            await owners.refresh()

    run_while_serving(bp, "widget_owners", loop)

"""Agents are not shown a widget user's session id (which was a bearer secret): a label.

The attack: an agent (or anyone looking over the agent's shoulder, or a screenshot in a
ticket) copies the session id shown in the console and resumes that owner's conversation.
Widget sessions are now signed tokens bound to sockets (test_widget_sessions.py), and the
console shows a 6-character label derived from the id instead of the id itself.
"""

from __future__ import annotations

import pytest

from tests.console.conftest import Server, anyio_backend, server, ticket_db, web_channel
from tests.console.test_console_api import PASSWORD, agents, queue_chat

__all__ = ["agents", "anyio_backend", "server", "ticket_db", "web_channel"]

pytestmark = pytest.mark.anyio


async def test_agents_see_a_label_not_the_users_session_id(server: Server, agents: None) -> None:
    from bot.console.channel import STATIC_DIR
    from bot.console.labels import user_label

    session_id = "f3b1c2d4e5f60718293a4b5c6d7e8f90"
    await queue_chat(server, session_id)
    async with server.client() as agent:
        await agent.login("zhang", PASSWORD)
        status, body = await agent.get("api/queue")
    assert status == 200
    [queued] = body["queued"]
    assert queued["user_label"] == user_label(session_id) and len(queued["user_label"]) == 6
    assert queued["user_label"] not in session_id.upper()
    shown = [
        f"{path.name}: {line}"
        for path in sorted(STATIC_DIR.rglob("*.js"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "sender_id" in line
    ]
    assert shown == [], shown  # the page never renders (or titles) the raw sender id

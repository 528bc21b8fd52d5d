"""An owner left waiting in silence is offered a callback, and the real bot takes it from there.

The console's sweep records the offer in the conversation (:mod:`bot.console.abandon`); the
trained model's rules must then treat the owner's yes and phone number as after the offer of
``action_handoff``.
"""

from __future__ import annotations

import pytest

from bot.console import conversations
from bot.tickets import list_callbacks, session_scope
from tests.conversations.harness import Conversation, agents_online

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_a_callback_after_a_wait_nobody_answered(
    conversation: Conversation, session_ticket_db: str
) -> None:
    agents_online(["timeout-agent"], session_ticket_db)
    queued = conversation.say("转人工")
    assert queued.responses[0] in ("utter_handoff_queued", "utter_handoff_queued_first")

    delivered = conversation.loop.run_until_complete(
        conversations.offer_callback_after_wait(
            conversation.agent, conversation.sender_id, "rest", "request_human"
        )
    )
    assert delivered is False  # REST cannot push: recorded in the transcript only

    assert conversation.say("好的").responses == ["utter_ask_callback_phone"]
    assert conversation.say("13912345678").responses == ["utter_callback_recorded"]
    with session_scope(session_ticket_db) as session:
        mine = [c for c in list_callbacks(session) if c.sender_id == conversation.sender_id]
    assert [(c.phone, c.reason) for c in mine] == [("13912345678", "request_human")]

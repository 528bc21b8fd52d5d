"""Agents' internal notes never reach the owner through the bot's progress answers."""

from __future__ import annotations

from bot.actions.status import ActionCheckRepairStatus
from bot.tickets import add_ticket_note, create_agent, session_scope
from tests.actions.helpers import NOON, change_status

NOTE = "内部备注：客户脾气急，优先处理"


def test_a_ticket_note_is_not_in_the_progress_answer(run, make_tracker, ticket_factory):
    ticket = ticket_factory(sender_id="test-user", now=NOON)
    change_status(ticket.ticket_no, "received", 1)
    with session_scope() as session:
        agent = create_agent(session, username="zhang", display_name="张三", password_hash="x")
        add_ticket_note(session, ticket_no=ticket.ticket_no, agent_id=agent.id, text=NOTE)
    tracker = make_tracker(
        {},
        "查进度",
        "check_repair_status",
        entities=[("ticket_no", ticket.ticket_no)],
        sender_id="test-user",
    )
    events, dispatcher = run(ActionCheckRepairStatus(), tracker)
    said = str(dispatcher.messages) + str(events)
    assert ticket.ticket_no in said  # the answer is about this ticket ...
    assert "内部备注" not in said and "脾气" not in said  # ... without the note

"""The owner stops and resumes progress notices by chat (``bot.actions.notices``)."""

from __future__ import annotations

import pytest

from bot.actions.notices import ActionNoticesOptIn, ActionNoticesOptOut
from bot.tickets import session_scope, set_status
from bot.tickets.notices import list_notices
from bot.tickets.optouts import is_opted_out
from tests.actions.helpers import msg

SENDER = "owner-7"


@pytest.fixture
def say(run, make_tracker):
    def _say(action, intent: str, text: str, input_channel: str = "socketio"):
        tracker = make_tracker(
            {}, text, intent, sender_id=SENDER, input_channel=input_channel, active_loop=None
        )
        return run(action, tracker)

    return _say


def opted_out(channel: str = "socketio") -> bool:
    with session_scope() as session:
        return is_opted_out(session, channel=channel, sender_id=SENDER)


def test_opting_out_skips_the_waiting_notices_and_the_next_ones(say, ticket_factory):
    ticket = ticket_factory(sender_id=SENDER, channel="socketio")
    other = ticket_factory(intake_id="other-intake", sender_id="someone-else", channel="socketio")
    with session_scope() as session:
        for number in (ticket.ticket_no, other.ticket_no):
            set_status(session, ticket_no=number, status="received", changed_by="staff")

    events, dispatcher = say(ActionNoticesOptOut(), "notices_opt_out", "不要再给我发通知")

    assert (events, dispatcher.messages) == ([], [msg("utter_notices_opted_out")])
    assert opted_out()
    with session_scope() as session:
        set_status(session, ticket_no=ticket.ticket_no, status="diagnosing", changed_by="staff")
        mine = [n.status for n in list_notices(session, ticket_no=ticket.ticket_no)]
        theirs = [n.status for n in list_notices(session, ticket_no=other.ticket_no)]
    assert mine == ["skipped", "skipped"]
    assert theirs == ["pending"]


def test_opting_in_resumes_notices_and_says_when_they_were_on(say, ticket_factory):
    ticket = ticket_factory(sender_id=SENDER, channel="wechat")
    _, dispatcher = say(ActionNoticesOptIn(), "notices_opt_in", "恢复通知", "wechat")
    assert dispatcher.messages == [msg("utter_notices_already_on")]

    say(ActionNoticesOptOut(), "notices_opt_out", "退订", "wechat")
    assert opted_out("wechat") and not opted_out("socketio")
    events, dispatcher = say(ActionNoticesOptIn(), "notices_opt_in", "恢复通知", "wechat")

    assert (events, dispatcher.messages) == ([], [msg("utter_notices_opted_in")])
    assert not opted_out("wechat")
    with session_scope() as session:
        set_status(session, ticket_no=ticket.ticket_no, status="received", changed_by="staff")
        assert [n.status for n in list_notices(session, ticket_no=ticket.ticket_no)] == ["pending"]


@pytest.mark.parametrize(
    ("action", "intent"),
    [(ActionNoticesOptOut(), "notices_opt_out"), (ActionNoticesOptIn(), "notices_opt_in")],
)
def test_a_store_outage_says_nothing_changed(say, db_down, action, intent):
    db_down()
    events, dispatcher = say(action, intent, "通知")
    assert (events, dispatcher.messages) == ([], [msg("utter_notices_unavailable")])

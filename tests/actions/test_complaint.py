"""ActionRecordComplaint: stored for the operators, apology and a person offered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.actions.complaint import ActionRecordComplaint
from bot.tickets import list_complaints, session_scope
from tests.actions.helpers import msg


def complaints() -> list[tuple[str, str, str, str | None]]:
    with session_scope() as session:
        return [(c.sender_id, c.channel, c.text, c.ticket_no) for c in list_complaints(session)]


@pytest.fixture
def complain(run, make_tracker):
    def _complain(text: str, input_channel: str = "rest", **slots: Any):
        tracker = make_tracker(
            slots,
            text,
            "complain",
            sender_id="user-42",
            input_channel=input_channel,
            active_loop=None,
        )
        return run(ActionRecordComplaint(), tracker)

    return _complain


def test_complaint_is_stored_with_the_ticket_of_the_conversation(complain):
    events, dispatcher = complain(
        "  修了三次还是绿屏，太差了！ ", input_channel="socketio", ticket_no="r20260520-0001"
    )

    assert dispatcher.messages == [msg("utter_complaint_recorded")]
    assert events == []
    assert complaints() == [("user-42", "socketio", "修了三次还是绿屏，太差了！", "R20260520-0001")]


def test_complaint_without_ticket(complain):
    complain("客服态度不好")
    events, dispatcher = complain("等了一个星期没人联系我")

    assert dispatcher.messages == [msg("utter_complaint_recorded")]
    assert events == []
    # Newest first.
    assert complaints() == [
        ("user-42", "rest", "等了一个星期没人联系我", None),
        ("user-42", "rest", "客服态度不好", None),
    ]


def test_store_down_still_apologises(complain, db_down):
    db_down()

    events, dispatcher = complain("太差了")

    assert dispatcher.messages == [msg("utter_complain")]
    assert events == []


def test_complaint_from_a_button_has_no_words_of_the_user(complain):
    events, dispatcher = complain("/complain")

    assert dispatcher.messages == [msg("utter_complaint_recorded")]
    assert events == []
    # The payload is what the user "said"; it is stored as it came.
    assert complaints() == [("user-42", "rest", "(no text)", None)]


def test_blank_complaint_is_stored_as_empty(complain):
    _events, dispatcher = complain("   ")

    assert dispatcher.messages == [msg("utter_complaint_recorded")]
    assert complaints() == [("user-42", "rest", "(no text)", None)]

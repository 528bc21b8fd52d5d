"""Cancelling the intake: ask once, then stop or carry on."""

from __future__ import annotations

from rasa_sdk.events import ActiveLoop, SlotSet

from bot.actions.cancel import ActionAskCancelIntake, ActionCancelIntake, ActionKeepIntake
from tests.actions.helpers import msg, reset


def test_ask_cancel_remembers_the_question(run, make_tracker, full_intake):
    tracker = make_tracker(full_intake, "不修了", "cancel", requested_slot="contact_phone")

    events, dispatcher = run(ActionAskCancelIntake(), tracker)

    assert dispatcher.messages == [msg("utter_ask_cancel_intake")]
    assert events == [SlotSet("cancel_pending", True)]


def test_cancel_stops_the_form_and_clears_every_intake_slot(run, make_tracker, full_intake):
    tracker = make_tracker(
        {**full_intake, "cancel_pending": True, "ticket_no": "R20260101-0001"},
        "确定",
        "affirm",
        requested_slot="contact_phone",
    )

    events, dispatcher = run(ActionCancelIntake(), tracker)

    assert dispatcher.messages == [msg("utter_intake_cancelled")]
    assert events == [ActiveLoop(None), *reset()]
    cleared = {e["name"] for e in events[1:]}
    # The ticket of an earlier intake stays known; everything of this intake goes.
    assert "ticket_no" not in cleared
    assert {*full_intake, "cancel_pending", "requested_slot"} <= cleared


def test_keep_clears_the_pending_question_only(run, make_tracker, full_intake):
    tracker = make_tracker(
        {**full_intake, "cancel_pending": True}, "继续", "deny", requested_slot="contact_phone"
    )

    events, dispatcher = run(ActionKeepIntake(), tracker)

    assert dispatcher.messages == [msg("utter_intake_resumed")]
    assert events == [SlotSet("cancel_pending", None)]

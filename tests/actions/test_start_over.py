"""ActionStartOver: forget the intake and every pending question."""

from __future__ import annotations

from bot.actions.start_over import ActionStartOver
from tests.actions.helpers import cleared, msg, reset


def test_inside_the_form(run, make_tracker, full_intake):
    tracker = make_tracker(
        {**full_intake, "status_asked": True}, "重新开始", "start_over", requested_slot="city"
    )

    events, dispatcher = run(ActionStartOver(), tracker)

    assert dispatcher.messages == [msg("utter_start_over_intake")]
    assert events == [*reset(), *cleared()]


def test_outside_the_form(run, make_tracker):
    tracker = make_tracker(
        {"ticket_no": "R20260520-0001", "price_asked": True, "price_part": "screen"},
        "重新开始",
        "start_over",
        active_loop=None,
    )

    events, dispatcher = run(ActionStartOver(), tracker)

    assert dispatcher.messages == [msg("utter_start_over")]
    assert events == [*reset(), *cleared()]
    # The ticket of this conversation and the verified phones stay known.
    assert not {"ticket_no", "verified_phones"} & {e["name"] for e in events}

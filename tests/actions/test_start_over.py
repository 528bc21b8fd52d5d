"""ActionStartOver: forget the intake and every pending question."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from bot.actions.start_over import ActionStartOver
from tests.actions.helpers import cleared, msg

INTAKE = [
    SlotSet(slot, None)
    for slot in (
        "device_model",
        "serial_number",
        "purchase_date",
        "purchase_date_precision",
        "fault_description",
        "fault_category",
        "fault_brief",
        "service_type",
        "city",
        "contact_phone",
        "existing_ticket_no",
        "duplicate_confirmed",
        "intake_confirmed",
        "intake_id",
        "intake_failures",
        "skipped_slots",
        "warranty_status",
        "cancel_pending",
        "ticket_pending",
        "ticket_retries",
        "requested_slot",
    )
]


def test_inside_the_form(run, make_tracker, full_intake):
    tracker = make_tracker(
        {**full_intake, "status_asked": True}, "重新开始", "start_over", requested_slot="city"
    )

    events, dispatcher = run(ActionStartOver(), tracker)

    assert dispatcher.messages == [msg("utter_start_over_intake")]
    assert events == [*INTAKE, *cleared()]


def test_outside_the_form(run, make_tracker):
    tracker = make_tracker(
        {"ticket_no": "R20260520-0001", "price_asked": True, "price_part": "screen"},
        "重新开始",
        "start_over",
        active_loop=None,
    )

    events, dispatcher = run(ActionStartOver(), tracker)

    assert dispatcher.messages == [msg("utter_start_over")]
    assert events == [*INTAKE, *cleared()]
    # The ticket of this conversation and the verified phones stay known.
    assert not {"ticket_no", "verified_phones"} & {e["name"] for e in events}

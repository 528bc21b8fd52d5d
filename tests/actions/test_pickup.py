"""Courier pickup in chat: which ticket, the form's checks, booking through the courier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from bot.actions.pickup import (
    PICKUP_SLOTS,
    PROOF_SLOT,
    RATING_HELD_SLOT,
    ActionAskPickupWindow,
    ActionBookPickup,
    ActionCancelPickup,
    ActionRequestPickup,
    ActionStopPickupForm,
    ValidatePickupForm,
    local_now,
)
from bot.actions.status import ActionCheckRepairStatus
from bot.catalog.courier import load_courier
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.pickups import PickupPlace, book_pickup, current_pickup
from tests.actions.helpers import cleared, msg
from tests.courier.fake_courier import TOKEN, FakeCourierState, running_fake_courier

OWNER = "owner-1"
FORGET = [SlotSet(slot, None) for slot in PICKUP_SLOTS]
PARTS = {"province": "广东省", "city": "深圳市", "district": "南山区", "street": "科苑路15号3栋201"}
ADDRESS = "广东省深圳市南山区科苑路15号3栋201"


@pytest.fixture
def courier(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCourierState]:
    """The fake courier, configured in the settings."""
    with running_fake_courier() as (url, state):
        monkeypatch.setenv("COURIER_URL", url)
        monkeypatch.setenv("COURIER_TOKEN", TOKEN)
        get_settings.cache_clear()
        yield state


@pytest.fixture
def mail_in(ticket_factory: Callable[..., Any]) -> Any:
    """A submitted mail-in ticket of the owner's conversation."""
    return ticket_factory(sender_id=OWNER, intake_id="pickup-intake", contact_phone="13912345678")


def _first_window() -> str:
    return load_courier().offered(local_now())[0].key


def _tracker(make_tracker: Callable[..., Tracker], text: str, intent: str, **slots: Any) -> Tracker:
    return make_tracker(slots, text, intent, sender_id=OWNER, active_loop=None)


def _form_tracker(
    make_tracker: Callable[..., Tracker], slot: str, value: Any, text: str, **slots: Any
) -> Tracker:
    """As the form hands a from_text answer to its validation action."""
    tracker = make_tracker(
        {**slots, slot: value},
        text,
        "inform",
        sender_id=OWNER,
        requested_slot=slot,
        active_loop="pickup_form",
    )
    tracker.events.append(SlotSet(slot, value))
    return tracker


def _book(make_tracker: Callable[..., Tracker], run: Callable[..., Any], ticket_no: str) -> Any:
    tracker = _tracker(
        make_tracker,
        "",
        "inform",
        pickup_ticket_no=ticket_no,
        pickup_address=ADDRESS,
        pickup_address_parts=PARTS,
        pickup_window=_first_window(),
    )
    return run(ActionBookPickup(), tracker)


def _stored(ticket_no: str) -> Any:
    with session_scope(readonly=True) as session:
        return current_pickup(session, ticket_no=ticket_no)


def test_request_starts_the_form_for_the_owners_mail_in_ticket(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any], mail_in: Any
) -> None:
    events, dispatcher = run(
        ActionRequestPickup(), _tracker(make_tracker, "预约取件", "request_pickup")
    )
    assert events == [
        *cleared(),
        *FORGET,
        SlotSet("pickup_ready", True),
        SlotSet("pickup_ticket_no", mail_in.ticket_no),
    ]
    assert dispatcher.messages == [
        msg("utter_pickup_start", ticket_no=mail_in.ticket_no, courier=load_courier().courier_name)
    ]


def test_no_ticket_a_store_ticket_and_a_received_phone_are_declined(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    ticket_factory: Callable[..., Any],
) -> None:
    tracker = _tracker(make_tracker, "预约取件", "request_pickup")
    events, dispatcher = run(ActionRequestPickup(), tracker)
    assert events == [*cleared(), *FORGET]
    assert dispatcher.messages == [msg("utter_pickup_no_ticket")]
    store = ticket_factory(sender_id=OWNER, intake_id="store", service_type="store", city="成都")
    _, dispatcher = run(ActionRequestPickup(), tracker)
    assert dispatcher.messages == [msg("utter_pickup_not_mail_in", ticket_no=store.ticket_no)]
    assert _stored(store.ticket_no) is None


def test_another_conversations_ticket_needs_its_phone_first(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    ticket_factory: Callable[..., Any],
) -> None:
    other = ticket_factory(sender_id="stranger", intake_id="other")
    text = f"给{other.ticket_no}预约上门取件"
    events, dispatcher = run(ActionRequestPickup(), _tracker(make_tracker, text, "request_pickup"))
    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=other.ticket_no)]
    assert events[-3:] == [
        SlotSet("status_asked", True),
        SlotSet("status_ticket_no", other.ticket_no),
        SlotSet(PROOF_SLOT, other.ticket_no),
    ]
    assert SlotSet("pickup_ready", True) not in events


def _proof_tracker(make_tracker: Callable[..., Tracker], ticket_no: str, text: str) -> Tracker:
    """The owner's answer while the phone of ``ticket_no`` is asked for a pickup."""
    slots = {"status_asked": True, "status_ticket_no": ticket_no, PROOF_SLOT: ticket_no}
    return _tracker(make_tracker, text, "inform", **slots)


def test_the_booking_resumes_once_the_ticket_is_proven(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    ticket_factory: Callable[..., Any],
) -> None:
    other = ticket_factory(sender_id="stranger", intake_id="other", contact_phone="13700001111")
    wrong = _proof_tracker(make_tracker, other.ticket_no, "13700001112")
    events, dispatcher = run(ActionCheckRepairStatus(), wrong)
    assert [m["response"] for m in dispatcher.messages] == ["utter_status_unverified"]
    assert SlotSet(PROOF_SLOT, other.ticket_no) in events  # still waiting for the proof
    assert SlotSet("pickup_ready", True) not in events
    right = _proof_tracker(make_tracker, other.ticket_no, "13700001111")
    events, dispatcher = run(ActionCheckRepairStatus(), right)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_status_detail",
        "utter_pickup_start",
    ]
    assert events[-3:] == [
        SlotSet("pickup_ready", True),
        SlotSet("pickup_ticket_no", other.ticket_no),
        FollowupAction("pickup_form"),
    ]
    assert SlotSet("status_asked", None) in events


def test_a_status_check_alone_starts_no_booking(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    ticket_factory: Callable[..., Any],
) -> None:
    other = ticket_factory(sender_id="stranger", intake_id="other", contact_phone="13700001111")
    slots = {"status_asked": True, "status_ticket_no": other.ticket_no}
    tracker = _tracker(make_tracker, "13700001111", "inform", **slots)
    events, dispatcher = run(ActionCheckRepairStatus(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_status_detail"]
    assert SlotSet("pickup_ready", True) not in events
    assert FollowupAction("pickup_form") not in events


def test_an_open_rating_question_is_asked_again_when_the_booking_ends(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any], mail_in: Any
) -> None:
    rating = {"rating_pending": True, "rating_context": "ticket"}
    tracker = _tracker(make_tracker, "/request_pickup", "request_pickup", **rating)
    events, dispatcher = run(ActionRequestPickup(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_pickup_start"]
    assert SlotSet("rating_pending", None) in events
    assert events[-1] == SlotSet(RATING_HELD_SLOT, "ticket")
    booking = _tracker(
        make_tracker,
        "",
        "inform",
        pickup_ticket_no=mail_in.ticket_no,
        pickup_address=ADDRESS,
        pickup_address_parts=PARTS,
        pickup_window=_first_window(),
        **{RATING_HELD_SLOT: "ticket"},
    )
    events, dispatcher = run(ActionBookPickup(), booking)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_pickup_registered",
        "utter_ask_rating",
    ]
    assert events[-3:] == [
        SlotSet(RATING_HELD_SLOT, None),
        SlotSet("rating_pending", True),
        SlotSet("rating_context", "ticket"),
    ]


def test_an_open_rating_question_is_asked_again_when_no_booking_starts_or_it_stops(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any], mail_in: Any
) -> None:
    with session_scope() as session:
        book_pickup(
            session,
            ticket_no=mail_in.ticket_no,
            place=PickupPlace(
                **PARTS,
                pickup_date=local_now().date() + dt.timedelta(days=1),
                window_start=dt.time(9),
                window_end=dt.time(11),
            ),
            created_by="user",
        )
    rating = {"rating_pending": True, "rating_context": "ticket"}
    tracker = _tracker(make_tracker, "预约取件", "request_pickup", **rating)
    events, dispatcher = run(ActionRequestPickup(), tracker)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_pickup_exists",
        "utter_ask_rating",
    ]
    assert events[-2:] == [SlotSet("rating_pending", True), SlotSet("rating_context", "ticket")]
    stopping = _form_tracker(
        make_tracker, "pickup_address", None, "取消", **{RATING_HELD_SLOT: "question"}
    )
    _, dispatcher = run(ActionStopPickupForm(), stopping)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_pickup_form_stopped",
        "utter_ask_rating",
    ]


def test_address_is_checked_with_a_reason(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any]
) -> None:
    tracker = _form_tracker(make_tracker, "pickup_address", "深圳市南山区", "深圳市南山区")
    events, dispatcher = run(ValidatePickupForm(), tracker)
    assert SlotSet("pickup_address", None) in events
    assert dispatcher.messages == [msg("utter_pickup_address_no_street")]
    tracker = _form_tracker(make_tracker, "pickup_address", "深圳 南山区 科苑路15号3栋201", "x")
    events, dispatcher = run(ValidatePickupForm(), tracker)
    assert SlotSet("pickup_address", ADDRESS) in events
    assert SlotSet("pickup_address_parts", PARTS) in events
    assert dispatcher.messages == [msg("utter_pickup_address_recognised", address=ADDRESS)]


def test_window_must_be_one_the_courier_offers(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any]
) -> None:
    key = _first_window()
    payload = f'/inform{{"pickup_window":"{key}"}}'
    events, dispatcher = run(
        ValidatePickupForm(), _form_tracker(make_tracker, "pickup_window", payload, payload)
    )
    assert SlotSet("pickup_window", key) in events and dispatcher.messages == []
    stale = "2000-01-01 09:00-11:00"
    events, dispatcher = run(
        ValidatePickupForm(), _form_tracker(make_tracker, "pickup_window", stale, stale)
    )
    assert SlotSet("pickup_window", None) in events
    assert dispatcher.messages == [msg("utter_pickup_window_invalid")]


def test_the_window_question_has_a_button_per_offered_window(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any]
) -> None:
    _, dispatcher = run(
        ActionAskPickupWindow(), _form_tracker(make_tracker, "pickup_window", None, "")
    )
    (message,) = dispatcher.messages
    offered = load_courier().choices(local_now())
    assert message["response"] == "utter_ask_pickup_window"
    assert [b["payload"] for b in message["buttons"]] == [
        f'/inform{{"pickup_window":"{w.key}"}}' for w in offered
    ]


def test_booked_through_the_courier(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    mail_in: Any,
    courier: FakeCourierState,
) -> None:
    events, dispatcher = _book(make_tracker, run, mail_in.ticket_no)
    assert events == FORGET
    stored = _stored(mail_in.ticket_no)
    assert stored.status == "booked" and stored.courier_order_id in courier.orders
    assert courier.orders[stored.courier_order_id]["address"]["street"] == "科苑路15号3栋201"
    (message,) = dispatcher.messages
    assert message["response"] == "utter_pickup_booked" and "已预约" in message["pickup"]


def test_a_courier_that_is_down_keeps_the_booking(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    mail_in: Any,
    courier: FakeCourierState,
) -> None:
    courier.down = True
    _, dispatcher = _book(make_tracker, run, mail_in.ticket_no)
    assert dispatcher.messages[0]["response"] == "utter_pickup_kept"
    stored = _stored(mail_in.ticket_no)
    assert (stored.status, stored.courier_action, stored.attempts) == ("pending", "book", 1)
    assert courier.orders == {}


def test_without_a_courier_the_booking_is_registered(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any], mail_in: Any
) -> None:
    _, dispatcher = _book(make_tracker, run, mail_in.ticket_no)
    assert dispatcher.messages[0]["response"] == "utter_pickup_registered"
    assert _stored(mail_in.ticket_no).status == "pending"


def test_a_refused_booking_is_said(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    mail_in: Any,
    courier: FakeCourierState,
) -> None:
    courier.refuse = True
    _, dispatcher = _book(make_tracker, run, mail_in.ticket_no)
    assert dispatcher.messages[0]["response"] == "utter_pickup_refused"
    assert _stored(mail_in.ticket_no).status == "failed"


def test_exists_change_and_cancel(
    make_tracker: Callable[..., Tracker],
    run: Callable[..., Any],
    mail_in: Any,
    courier: FakeCourierState,
) -> None:
    _book(make_tracker, run, mail_in.ticket_no)
    order_id = _stored(mail_in.ticket_no).courier_order_id
    _, dispatcher = run(ActionRequestPickup(), _tracker(make_tracker, "预约取件", "request_pickup"))
    assert dispatcher.messages[0]["response"] == "utter_pickup_exists"
    events, dispatcher = run(
        ActionRequestPickup(), _tracker(make_tracker, "改一下取件时间", "change_pickup")
    )
    assert dispatcher.messages[0]["response"] == "utter_pickup_change_start"
    assert (
        SlotSet("pickup_address_parts", PARTS) in events and SlotSet("pickup_ready", True) in events
    )
    events, _ = run(
        ActionRequestPickup(), _tracker(make_tracker, "改一下取件地址", "change_pickup")
    )
    assert SlotSet("pickup_address_parts", PARTS) not in events
    events, dispatcher = run(
        ActionCancelPickup(), _tracker(make_tracker, "取消取件", "cancel_pickup")
    )
    assert dispatcher.messages == [msg("utter_pickup_cancelled", ticket_no=mail_in.ticket_no)]
    assert _stored(mail_in.ticket_no).status == "cancelled"
    assert courier.orders[order_id]["status"] == "cancelled"
    _, dispatcher = run(ActionCancelPickup(), _tracker(make_tracker, "取消取件", "cancel_pickup"))
    assert dispatcher.messages == [msg("utter_pickup_cancel_none", ticket_no=mail_in.ticket_no)]


def test_stopping_the_form_forgets_it(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any]
) -> None:
    events, dispatcher = run(
        ActionStopPickupForm(), _form_tracker(make_tracker, "pickup_address", None, "取消")
    )
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), *FORGET]
    assert dispatcher.messages == [msg("utter_pickup_form_stopped")]


def test_the_status_answer_shows_the_pickup(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any], mail_in: Any
) -> None:
    with session_scope() as session:
        book_pickup(
            session,
            ticket_no=mail_in.ticket_no,
            place=PickupPlace(
                **PARTS,
                pickup_date=local_now().date() + dt.timedelta(days=1),
                window_start=dt.time(9),
                window_end=dt.time(11),
            ),
            created_by="user",
        )
    tracker = _tracker(make_tracker, "我的手机修到哪了", "check_repair_status")
    _, dispatcher = run(ActionCheckRepairStatus(), tracker)
    responses = [m["response"] for m in dispatcher.messages]
    assert responses == ["utter_status_detail", "utter_status_pickup"]
    assert (
        "明天" in dispatcher.messages[1]["pickup"]
        and "待快递确认" in dispatcher.messages[1]["pickup"]
    )


def test_slots_cleared_when_the_form_starts_are_not_answers(
    make_tracker: Callable[..., Tracker], run: Callable[..., Any]
) -> None:
    for slot in ("pickup_address", "pickup_window"):
        events, dispatcher = run(ValidatePickupForm(), _form_tracker(make_tracker, slot, None, ""))
        assert SlotSet(slot, None) in events and dispatcher.messages == []

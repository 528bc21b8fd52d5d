"""ActionCheckRepairStatus: own tickets, tickets proven by number + phone, timeline, masking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.status import ActionCheckRepairStatus
from bot.settings import get_settings
from bot.tickets import session_scope
from bot.tickets.models import TicketVerification
from tests.actions.conftest import IMEI
from tests.actions.helpers import NOON, SHANGHAI, change_status, cleared, message_values, msg
from tests.actions.sms import VERIFIER_PATH, OutboxVerifier

PHONE = "13800000000"
OTHER_PHONE = "13912345678"
TICKET = "R20260520-0001"
#: Every action run starts by forgetting the follow-up questions and a check in progress.
CLEARED = [*cleared(), SlotSet("status_phone", None), SlotSet("status_code_pending", None)]
#: The ticket waits for its proof.
WAITING = [*CLEARED, SlotSet("status_asked", True), SlotSet("status_ticket_no", TICKET)]


def checks() -> list[tuple[str, str, bool]]:
    """The stored ticket checks: (sender, ticket number, succeeded), oldest first."""
    with session_scope() as session:
        rows = session.query(TicketVerification).order_by(TicketVerification.id).all()
        return [(r.sender_id, r.ticket_no, r.succeeded) for r in rows]


def detail(ticket_no: str = "R20260520-0001", **overrides: Any) -> dict[str, Any]:
    """The details message of a ticket made by ``ticket_factory`` with its defaults."""
    values = {
        "ticket_no": ticket_no,
        "device_name": "一加 12",
        "fault_name": "屏幕问题",
        "serial": "8612*******0127",
        "phone": "138****0000",
        "status_name": "已提交",
        "timeline": "· 2026年5月20日 已提交",
    }
    return msg("utter_status_detail", **{**values, **overrides})


@pytest.fixture
def status(run, make_tracker):
    def _status(
        text: str = "我的手机修好了吗",
        intent: str = "check_repair_status",
        entities: tuple[Any, ...] = (),
        sender_id: str = "test-user",
        active_loop: str | None = None,
        **slots: Any,
    ):
        tracker = make_tracker(
            slots,
            text,
            intent,
            entities=entities,
            sender_id=sender_id,
            active_loop=active_loop,
            requested_slot="contact_phone" if active_loop else None,
        )
        return run(ActionCheckRepairStatus(), tracker)

    return _status


# --------------------------------------------------------------------------- own tickets


def test_own_ticket_by_number_shows_details_and_timeline(status, ticket_factory):
    ticket = ticket_factory(sender_id="test-user", now=NOON)
    assert ticket.ticket_no == "R20260520-0001"
    change_status("R20260520-0001", "received", 1)
    change_status(
        "R20260520-0001", "shipped_back", 5, tracking_no="sf 1234 5678 901", courier="顺丰"
    )

    events, dispatcher = status("查一下r20260520-0001", entities=[("ticket_no", "r20260520-0001")])

    assert dispatcher.messages == [
        detail(
            status_name="已寄回",
            timeline=(
                "· 2026年5月20日 已提交\n"
                "· 2026年5月21日 已收到手机\n"
                "· 2026年5月25日 已寄回（顺丰运单号 SF12345678901）"
            ),
        )
    ]
    assert events == CLEARED


def test_tracking_number_without_courier(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON, service_type="store", city="成都")
    change_status("R20260520-0001", "repairing", 2)
    change_status("R20260520-0001", "shipped_back", 3, tracking_no="YT9988776655")

    events, dispatcher = status("R20260520-0001", entities=[("ticket_no", "R20260520-0001")])

    assert dispatcher.messages == [
        detail(
            status_name="已寄回",
            timeline=(
                "· 2026年5月20日 已提交\n"
                "· 2026年5月22日 维修中\n"
                "· 2026年5月23日 已寄回（运单号 YT9988776655）"
            ),
        )
    ]
    assert events == CLEARED


def test_ticket_number_is_read_from_the_text_without_entity(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = status("帮我查下r20260520-0001的进度")

    assert dispatcher.messages == [detail()]
    assert events == CLEARED


def test_own_tickets_open_first_then_newest(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(
        sender_id="test-user",
        intake_id="second",
        device_model_id="oneplus-ace-3",
        fault_category="battery",
        serial_number=None,
        now=NOON + dt.timedelta(days=1),
    )
    ticket_factory(sender_id="test-user", intake_id="third", now=NOON + dt.timedelta(days=2))
    ticket_factory(sender_id="someone-else", intake_id="fourth", now=NOON)
    change_status("R20260520-0001", "repairing", 3)
    # The newest change of all closes the third ticket: it is listed last.
    change_status("R20260522-0001", "completed", 4)

    events, dispatcher = status()

    assert dispatcher.messages == [
        detail(
            status_name="维修中",
            timeline="· 2026年5月20日 已提交\n· 2026年5月23日 维修中",
        ),
        detail(
            "R20260521-0001",
            device_name="一加 Ace 3",
            fault_name="电池问题",
            serial="未提供",
            timeline="· 2026年5月21日 已提交",
        ),
        detail(
            "R20260522-0001",
            status_name="已完成",
            timeline="· 2026年5月22日 已提交\n· 2026年5月24日 已完成",
        ),
    ]
    assert events == CLEARED


def test_at_most_three_tickets_are_shown(status, ticket_factory):
    for day in range(4):
        ticket_factory(
            sender_id="test-user", intake_id=f"i{day}", now=NOON + dt.timedelta(days=day)
        )

    _events, dispatcher = status()

    assert [m["ticket_no"] for m in dispatcher.messages] == [
        "R20260523-0001",
        "R20260522-0001",
        "R20260521-0001",
    ]


def test_date_is_in_the_business_time_zone(status, ticket_factory):
    # 01:00 in Shanghai is still the 19th in UTC.
    ticket_factory(sender_id="test-user", now=dt.datetime(2026, 5, 20, 1, 0, tzinfo=SHANGHAI))

    _events, dispatcher = status("R20260520-0001", entities=[("ticket_no", "R20260520-0001")])

    assert dispatcher.messages == [detail()]


def test_unknown_ticket_asks_for_the_phone_like_any_other(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)

    events, dispatcher = status("R20991231-0001", entities=[("ticket_no", "R20991231-0001")])

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no="R20991231-0001")]
    assert events == [
        *CLEARED,
        SlotSet("status_asked", True),
        SlotSet("status_ticket_no", "R20991231-0001"),
    ]


# --------------------------------------------------------------------------- other tickets


def test_ticket_of_another_conversation_asks_for_the_phone(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]
    assert events == WAITING
    assert checks() == []


def test_right_phone_after_the_question_shows_the_ticket(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(
        "138 0000 0000", "inform", status_asked=True, status_ticket_no=TICKET
    )

    assert dispatcher.messages == [detail()]
    assert events == CLEARED
    assert checks() == [("test-user", TICKET, True)]


def test_a_proven_ticket_is_not_asked_again(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [detail()]
    assert events == CLEARED


def test_a_proof_lasts_for_the_access_ttl(status, ticket_factory, monkeypatch):
    ticket_factory(sender_id="someone-else", now=NOON)
    status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3601)
    monkeypatch.setattr("bot.actions.status.utcnow", lambda: later)

    _events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)])

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]


def test_a_proof_belongs_to_its_conversation(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    _events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)], sender_id="stranger")

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]


def test_a_cancellation_waiting_for_the_phone_is_offered_after_it(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(
        PHONE, "inform", status_asked=True, status_ticket_no=TICKET, ticket_cancel_no=TICKET
    )

    assert dispatcher.messages == [detail(), msg("utter_ask_ticket_cancel", ticket_no=TICKET)]
    assert events == [
        *CLEARED,
        SlotSet("ticket_cancel_pending", True),
        SlotSet("ticket_cancel_no", TICKET),
    ]


def test_a_cancellation_waiting_for_the_phone_of_a_received_ticket(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    change_status(TICKET, "received", 1)

    events, dispatcher = status(
        PHONE, "inform", status_asked=True, status_ticket_no=TICKET, ticket_cancel_no=TICKET
    )

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_status_detail",
        "utter_ticket_cannot_cancel",
    ]
    assert dispatcher.messages[1]["status_name"] == "已收到手机"
    assert events == CLEARED


def test_a_wrong_phone_keeps_the_cancellation_waiting(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(
        "13900000000", "inform", status_asked=True, status_ticket_no=TICKET, ticket_cancel_no=TICKET
    )

    assert dispatcher.messages == [msg("utter_status_unverified", ticket_no=TICKET)]
    assert events == [*WAITING, SlotSet("ticket_cancel_no", TICKET)]


def test_ticket_number_and_phone_in_one_message(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(
        f"查{TICKET}，电话{PHONE}", entities=[("ticket_no", TICKET), ("phone_number", PHONE)]
    )

    assert dispatcher.messages == [detail()]
    assert events == CLEARED


def test_wrong_phone_reveals_nothing_and_waits_for_the_right_one(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [msg("utter_status_unverified", ticket_no=TICKET)]
    assert events == WAITING
    assert checks() == [("test-user", TICKET, False)]


def test_unknown_number_and_wrong_phone_get_the_same_answer(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    unknown = "R20260520-0002"

    wrong = status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no=TICKET)
    missing = status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no=unknown)

    assert wrong[1].messages == [msg("utter_status_unverified", ticket_no=TICKET)]
    assert missing[1].messages == [msg("utter_status_unverified", ticket_no=unknown)]
    assert missing[0] == [
        *CLEARED,
        SlotSet("status_asked", True),
        SlotSet("status_ticket_no", unknown),
    ]


def test_a_forged_verified_phones_slot_opens_nothing(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    phones = [f"138{n:08d}" for n in range(1000)]

    _events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)], verified_phones=phones)

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]


def test_inside_the_form_another_ticket_is_verified_later(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)], active_loop="repair_form")

    assert dispatcher.messages == [msg("utter_status_verify_later", ticket_no=TICKET)]
    assert events == CLEARED


# --------------------------------------------------------------------------- a phone alone


def test_phone_alone_shows_no_ticket_of_another_conversation(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(f"我的手机号是{PHONE}", "check_repair_status")

    assert dispatcher.messages == [msg("utter_status_need_ticket_no")]
    assert events == [*CLEARED, SlotSet("status_asked", True), SlotSet("status_phone", PHONE)]


def test_phone_alone_without_tickets_gets_the_same_answer(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(OTHER_PHONE, "check_repair_status")

    assert dispatcher.messages == [msg("utter_status_need_ticket_no")]
    assert events == [
        *CLEARED,
        SlotSet("status_asked", True),
        SlotSet("status_phone", OTHER_PHONE),
    ]


def test_phone_alone_shows_the_own_tickets_with_that_phone(status, ticket_factory):
    ticket_factory(sender_id="test-user", now=NOON)
    ticket_factory(sender_id="test-user", intake_id="2", contact_phone=OTHER_PHONE, now=NOON)
    ticket_factory(sender_id="someone-else", intake_id="3", now=NOON)

    events, dispatcher = status(PHONE, "check_repair_status")

    assert dispatcher.messages == [detail()]
    assert events == CLEARED


def test_then_the_ticket_number_is_checked_with_that_phone(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(
        TICKET, "inform", entities=[("ticket_no", TICKET)], status_asked=True, status_phone=PHONE
    )

    assert dispatcher.messages == [detail()]
    assert events == CLEARED


def test_a_remembered_phone_counts_only_while_asked(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    _events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)], status_phone=PHONE)

    assert dispatcher.messages == [msg("utter_status_need_phone", ticket_no=TICKET)]


# --------------------------------------------------------------------------- attempt limits


def test_failed_checks_lock_the_conversation_out(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    for n in range(5):
        _e, dispatcher = status(
            f"1390000000{n}", "inform", status_asked=True, status_ticket_no=TICKET
        )
        assert dispatcher.messages == [msg("utter_status_unverified", ticket_no=TICKET)]

    events, dispatcher = status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [msg("utter_status_locked")]
    assert events == CLEARED
    assert len(checks()) == 5  # the locked try checked nothing


def test_failed_checks_of_a_ticket_lock_it_for_every_conversation(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)
    for n in range(10):
        status(OTHER_PHONE, "inform", sender_id=f"s{n}", status_asked=True, status_ticket_no=TICKET)

    _events, dispatcher = status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [msg("utter_status_locked")]
    # The owner's own conversation still sees it.
    _events, dispatcher = status(TICKET, entities=[("ticket_no", TICKET)], sender_id="someone-else")
    assert dispatcher.messages == [detail()]


def test_limits_come_from_the_settings(status, ticket_factory, monkeypatch):
    monkeypatch.setenv("TICKET_VERIFY_MAX_PER_CONVERSATION", "1")
    get_settings.cache_clear()
    ticket_factory(sender_id="someone-else", now=NOON)
    status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    _events, dispatcher = status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [msg("utter_status_locked")]


# --------------------------------------------------------------------------- SMS code


@pytest.fixture
def sms(monkeypatch):
    monkeypatch.setenv("PHONE_VERIFIER", VERIFIER_PATH)
    get_settings.cache_clear()
    OutboxVerifier.reset()
    yield OutboxVerifier.outbox
    OutboxVerifier.reset()


def test_with_a_verifier_the_right_phone_sends_a_code(status, ticket_factory, sms):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [
        msg("utter_status_code_sent", ticket_no=TICKET, phone="138****0000")
    ]
    assert events == [*WAITING, SlotSet("status_code_pending", True)]
    assert [phone for phone, _code in sms] == [PHONE]


def test_with_a_verifier_a_wrong_phone_gets_the_same_answer_and_no_sms(status, ticket_factory, sms):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [
        msg("utter_status_code_sent", ticket_no=TICKET, phone="139****5678")
    ]
    assert events == [*WAITING, SlotSet("status_code_pending", True)]
    assert sms == []


def test_the_code_shows_the_ticket(status, ticket_factory, sms):
    ticket_factory(sender_id="someone-else", now=NOON)
    status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)
    code = sms[-1][1]
    waiting = {"status_asked": True, "status_ticket_no": TICKET, "status_code_pending": True}

    wrong = status("000000" if code != "000000" else "111111", "inform", **waiting)
    right = status(code, "inform", **waiting)

    assert wrong[1].messages == [msg("utter_status_code_wrong", ticket_no=TICKET)]
    assert wrong[0] == [*WAITING, SlotSet("status_code_pending", True)]
    assert right[1].messages == [detail()]
    assert right[0] == CLEARED
    assert [ok for _s, _t, ok in checks()] == [False, False, True]


def test_a_misconfigured_verifier_is_an_apology(status, ticket_factory, monkeypatch):
    monkeypatch.setenv("PHONE_VERIFIER", "tests.actions.sms:NoSuchClass")
    get_settings.cache_clear()
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status(PHONE, "inform", status_asked=True, status_ticket_no=TICKET)

    assert dispatcher.messages == [msg("utter_store_unavailable")]
    assert events == []


# --------------------------------------------------------------------------- no identifier


def test_no_identifier_asks_for_one(status, ticket_factory):
    ticket_factory(sender_id="someone-else", now=NOON)

    events, dispatcher = status()

    assert dispatcher.messages == [msg("utter_status_ask_identifier")]
    assert events == [*CLEARED, SlotSet("status_asked", True)]


def test_no_identifier_on_the_second_try_is_invalid(status):
    events, dispatcher = status("不记得了", "inform", status_asked=True)

    assert dispatcher.messages == [msg("utter_status_identifier_invalid")]
    assert events == [*CLEARED, SlotSet("status_asked", True)]


def test_inside_the_form_no_question_is_left_pending(status):
    events, dispatcher = status(active_loop="repair_form")

    assert dispatcher.messages == [msg("utter_status_ask_identifier")]
    assert events == CLEARED


# --------------------------------------------------------------------------- privacy, outage


def test_full_imei_and_phone_never_appear_in_a_message(status, ticket_factory):
    ticket_factory(sender_id="test-user", contact_phone=OTHER_PHONE, now=NOON)
    ticket_factory(
        sender_id="someone-else", intake_id="second", contact_phone=OTHER_PHONE, now=NOON
    )
    change_status("R20260520-0001", "shipped_back", 1, tracking_no="SF100", courier="顺丰")

    runs = [
        status(),
        status("R20260520-0002", entities=[("ticket_no", "R20260520-0002")]),
        status(OTHER_PHONE, "inform", status_asked=True, status_ticket_no="R20260520-0002"),
        status(PHONE, "inform", status_asked=True, status_ticket_no="R20260520-0002"),
        status(f"我的号码是 {OTHER_PHONE}", "inform", sender_id="stranger"),
    ]

    messages = [m for _events, dispatcher in runs for m in dispatcher.messages]
    assert [m["response"] for m in messages] == [
        "utter_status_detail",
        "utter_status_need_phone",
        "utter_status_detail",
        "utter_status_detail",
        "utter_status_need_ticket_no",
    ]
    values = message_values(messages)
    assert not [v for v in values if IMEI in v or OTHER_PHONE in v or PHONE in v]
    assert {m["serial"] for m in messages if "serial" in m} == {"8612*******0127"}
    assert {m["phone"] for m in messages if "phone" in m} == {"139****5678"}


def test_store_down(status, db_down):
    db_down()

    events, dispatcher = status()

    assert dispatcher.messages == [msg("utter_store_unavailable")]
    assert events == []

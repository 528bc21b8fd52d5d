"""ActionAskIntakeConfirmed: the summary, the warranty that applies, and the "no" branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import BotUttered, SlotSet

from bot.actions.confirmation import ActionAskIntakeConfirmed
from bot.tickets import add_extended_warranty, session_scope
from tests.actions.helpers import cn, months_back, msg


def summary(**overrides: Any) -> dict:
    values = {
        "device_name": "一加 12",
        "serial": "861234567890127",
        "purchase": "未提供",
        "fault_name": "屏幕问题",
        "fault_description": "屏幕有绿线",
        "service_name": "到店维修",
        "city_text": "（成都）",
        "remedy_text": "",
        "phone": "139****5678",
    }
    values.update(overrides)
    return msg("utter_intake_summary", **values)


@pytest.fixture
def confirm(run, make_tracker, full_intake):
    """Runs the ask action after the last answer (the phone number) with extra slots."""

    def _confirm(
        text: str = "13912345678",
        intent: str = "inform",
        before: tuple[dict[str, Any], ...] = (),
        **slot_values: Any,
    ):
        tracker = make_tracker(
            {**full_intake, **slot_values},
            text,
            intent,
            requested_slot="intake_confirmed",
            active_loop=None,
            events_before_user=before,
        )
        return run(ActionAskIntakeConfirmed(), tracker)

    return _confirm


def test_summary_with_month_precision_and_standard_warranty(confirm, today):
    bought = months_back(today, 12)

    events, dispatcher = confirm(purchase_date=bought.isoformat(), purchase_date_precision="month")

    until = dt.date(bought.year + 2, bought.month, 1) - dt.timedelta(days=1)
    assert dispatcher.messages == [
        summary(purchase=f"{bought.year}年{bought.month}月"),
        msg("utter_warranty_in_warranty", until=cn(until)),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == [SlotSet("warranty_status", "in_warranty")]


def test_summary_formats_a_fixed_month(confirm):
    events, dispatcher = confirm(purchase_date="2025-03-01", purchase_date_precision="month")

    assert dispatcher.messages[0] == summary(purchase="2025年3月")
    assert [m["response"] for m in dispatcher.messages][-1] == "utter_ask_intake_confirmed"
    assert len(events) == 1


def test_summary_with_day_precision_mail_in_and_nothing_optional(confirm):
    events, dispatcher = confirm(
        serial_number=None,
        service_type="mail_in",
        city=None,
        purchase_date="2024-12-05",
        purchase_date_precision="day",
        fault_category="battery",
        fault_description="掉电很快",
        device_model="oneplus-ace-3",
    )

    assert dispatcher.messages[0] == summary(
        device_name="一加 Ace 3",
        serial="未提供",
        purchase="2024年12月5日",
        fault_name="电池问题",
        fault_description="掉电很快",
        service_name="寄修",
        city_text="",
    )
    assert dispatcher.messages[-1] == msg("utter_ask_intake_confirmed")
    assert len(dispatcher.messages) == 3
    assert len(events) == 1


def test_extended_warranty_applies_after_the_standard_one(confirm, today, imei):
    bought = months_back(today, 36)
    ends = today + dt.timedelta(days=100)
    with session_scope() as session:
        add_extended_warranty(
            session,
            serial_number=imei,
            plan="延保一年",
            starts_on=bought + dt.timedelta(days=700),
            ends_on=ends,
            source="test",
        )

    events, dispatcher = confirm(purchase_date=bought.isoformat(), purchase_date_precision="day")

    assert dispatcher.messages == [
        summary(purchase=cn(bought)),
        msg("utter_warranty_extended_warranty", until=cn(ends)),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == [SlotSet("warranty_status", "extended_warranty")]


def test_expired_warranty(confirm, today):
    bought = months_back(today, 36)

    events, dispatcher = confirm(purchase_date=bought.isoformat(), purchase_date_precision="day")

    until = dt.date(bought.year + 2, bought.month, 1) - dt.timedelta(days=1)
    assert dispatcher.messages[1] == msg("utter_warranty_out_expired", until=cn(until))
    assert events == [SlotSet("warranty_status", "out_of_warranty")]


def test_extended_warranty_of_another_device_does_not_count(confirm, today):
    bought = months_back(today, 36)
    with session_scope() as session:
        add_extended_warranty(
            session,
            serial_number="861234567890135",
            plan="延保一年",
            starts_on=bought,
            ends_on=today + dt.timedelta(days=100),
            source="test",
        )

    events, dispatcher = confirm(purchase_date=bought.isoformat(), purchase_date_precision="day")

    assert dispatcher.messages[1]["response"] == "utter_warranty_out_expired"
    assert events == [SlotSet("warranty_status", "out_of_warranty")]


@pytest.mark.parametrize(
    ("category", "description", "fault_name", "response"),
    [
        ("screen", "屏幕碎了", "屏幕问题", "utter_warranty_out_physical"),
        ("water_damage", "手机掉水里了", "进水", "utter_warranty_out_liquid"),
        ("screen", "下雨淋雨以后屏幕碎了", "屏幕问题", "utter_warranty_out_liquid"),
    ],
)
def test_damage_is_out_of_warranty(confirm, today, category, description, fault_name, response):
    bought = today - dt.timedelta(days=30)

    events, dispatcher = confirm(
        purchase_date=bought.isoformat(),
        purchase_date_precision="day",
        fault_category=category,
        fault_description=description,
    )

    assert dispatcher.messages == [
        summary(purchase=cn(bought), fault_name=fault_name, fault_description=description),
        msg(response, until=""),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == [SlotSet("warranty_status", "out_of_warranty")]


def test_no_purchase_date_is_to_verify(confirm):
    events, dispatcher = confirm()

    assert dispatcher.messages == [
        summary(),
        msg("utter_warranty_to_verify", until=""),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == [SlotSet("warranty_status", "to_verify")]


def test_unknown_device_gives_no_warranty(confirm):
    events, dispatcher = confirm(device_model=None)

    assert dispatcher.messages == [
        summary(device_name="未提供"),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == []


def test_after_a_no_it_only_asks_what_to_change(confirm):
    question = BotUttered(
        "以上信息正确吗？", metadata={"utter_action": "utter_ask_intake_confirmed"}
    )
    events, dispatcher = confirm("不对", "deny", before=(question,), intake_confirmed=None)

    assert dispatcher.messages == [msg("utter_what_to_change")]
    assert events == []


def test_skip_answer_right_before_the_summary_still_shows_it(confirm):
    # Everything else came early; the user skips the purchase date with "不知道" (deny),
    # which completes the intake and brings the summary up.
    events, dispatcher = confirm("不知道", "deny", skipped_slots=["purchase_date"])

    assert dispatcher.messages == [
        summary(),
        msg("utter_warranty_to_verify", until=""),
        msg("utter_ask_intake_confirmed"),
    ]
    assert events == [SlotSet("warranty_status", "to_verify")]

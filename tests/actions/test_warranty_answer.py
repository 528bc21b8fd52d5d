"""ActionAnswerWarranty: the policy, plus the user's own status when it can be told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.warranty import ActionAnswerWarranty
from bot.intake.warranty import coverage_end
from bot.tickets import add_extended_warranty, session_scope
from bot.tickets.warranty_cards import CardRow, import_cards
from tests.actions.helpers import cn, months_back, msg

#: The policy, and a request for the details of the owner's own warranty.
ASK_DETAILS = [msg("utter_warranty_policy"), msg("utter_warranty_ask_details")]


def personal(device_name: str, purchase: str, verdict: str, until: str) -> list[dict[str, Any]]:
    """The policy, the owner's device and purchase, then the warranty that applies."""
    return [
        msg("utter_warranty_policy"),
        msg("utter_warranty_personal", device_name=device_name, purchase=purchase),
        msg(verdict, until=until),
    ]


def month(day: dt.date) -> str:
    """A month as the bot writes it."""
    return f"{day.year}年{day.month}月"


def warranty_end(bought: dt.date) -> dt.date:
    """The last day of the 24-month warranty of a phone bought in ``bought``'s month."""
    return dt.date(bought.year + 2, bought.month, 1) - dt.timedelta(days=1)


def remembered(device: str | None, purchased: str | None, serial: str | None) -> list[Any]:
    """Outside the form: the warranty question's device, purchase date and serial (or none)."""
    return [
        SlotSet("device_model", device),
        SlotSet("purchase_date", purchased),
        SlotSet("serial_number", serial),
    ]


def extended(serial: str, starts_on: dt.date, ends_on: dt.date) -> None:
    with session_scope() as session:
        add_extended_warranty(
            session,
            serial_number=serial,
            plan="延保",
            starts_on=starts_on,
            ends_on=ends_on,
            source="test",
        )


@pytest.fixture
def ask(run, make_tracker):
    def _ask(**slot_values: Any):
        tracker = make_tracker(
            slot_values, "还在保修期吗", "ask_warranty", requested_slot="serial_number"
        )
        return run(ActionAnswerWarranty(), tracker)

    return _ask


def test_policy_only_without_intake(ask):
    events, dispatcher = ask()

    assert dispatcher.messages == [msg("utter_warranty_policy")]
    assert events == []


@pytest.mark.parametrize(
    "slot_values",
    [
        {"device_model": "oneplus-12"},
        {"purchase_date": "2025-03-01", "purchase_date_precision": "month"},
        {"device_model": "一加 99", "purchase_date": "2025-03-01"},
        {"device_model": "oneplus-12", "purchase_date": "2099-01-01"},
    ],
)
def test_policy_only_when_device_or_date_unknown(ask, slot_values):
    events, dispatcher = ask(**slot_values)

    assert dispatcher.messages == [msg("utter_warranty_policy")]
    assert events == []


def test_personal_answer_in_warranty(ask, today):
    bought = months_back(today, 6)

    events, dispatcher = ask(
        device_model="oneplus-13",
        purchase_date=bought.isoformat(),
        purchase_date_precision="month",
        fault_category="camera",
        fault_description="拍照模糊",
    )

    until = warranty_end(bought)
    assert dispatcher.messages == personal(
        "一加 13", month(bought), "utter_warranty_in_warranty", cn(until)
    )
    # The answer is a digression: it sets no slot, the form resumes.
    assert events == []


def test_personal_answer_with_extended_warranty(ask, today, imei):
    bought = months_back(today, 30)
    ends = today + dt.timedelta(days=200)
    extended(imei, bought, ends)

    events, dispatcher = ask(
        device_model="oneplus-12",
        purchase_date=bought.isoformat(),
        purchase_date_precision="day",
        serial_number=imei,
    )

    assert dispatcher.messages == personal(
        "一加 12", cn(bought), "utter_warranty_extended_warranty", cn(ends)
    )
    assert events == []


def test_personal_answer_for_liquid_damage(ask, today):
    bought = today - dt.timedelta(days=10)

    events, dispatcher = ask(
        device_model="oneplus-12",
        purchase_date=bought.isoformat(),
        fault_category="other",
        fault_description="手机掉马桶里了",
    )

    assert dispatcher.messages == personal("一加 12", cn(bought), "utter_warranty_out_liquid", "")
    assert events == []


def test_raw_device_name_inside_the_form_is_recognised(ask, today):
    bought = months_back(today, 6)

    events, dispatcher = ask(device_model="一加12", purchase_date=bought.isoformat())

    until = warranty_end(bought)
    assert dispatcher.messages == personal(
        "一加 12", cn(bought), "utter_warranty_in_warranty", cn(until)
    )
    # Inside the form the slots are the form's business: nothing is set.
    assert events == []


def test_extended_warranty_by_imei_alone_inside_the_form(ask, today, imei):
    ends = today + dt.timedelta(days=100)
    extended(imei, today - dt.timedelta(days=400), ends)

    events, dispatcher = ask(serial_number=imei)

    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_extended_only", serial="8612*******0127", until=cn(ends)),
    ]
    assert events == []


# --------------------------------------------------------------------------- outside the form


@pytest.fixture
def ask_outside(run, make_tracker):
    def _ask(text: str = "我的手机还在保修期吗", entities: tuple = (), **slot_values: Any):
        tracker = make_tracker(
            slot_values, text, "ask_warranty", entities=entities, active_loop=None
        )
        return run(ActionAnswerWarranty(), tracker)

    return _ask


def test_outside_the_form_without_details_asks_for_them(ask_outside):
    events, dispatcher = ask_outside()

    assert dispatcher.messages == ASK_DETAILS
    assert events == remembered(None, None, None)


def test_outside_the_form_raw_values_are_normalised(ask_outside, today):
    bought = dt.date(today.year - 1, 3, 1)

    events, dispatcher = ask_outside(
        "一加12，去年三月买的",
        entities=[("device_model", "一加12"), ("purchase_date", "去年三月")],
    )

    until = warranty_end(bought)
    assert dispatcher.messages == personal(
        "一加 12", month(bought), "utter_warranty_in_warranty", cn(until)
    )
    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("purchase_date", bought.isoformat()),
        SlotSet("serial_number", None),
        SlotSet("purchase_date_precision", "month"),
    ]


def test_outside_the_form_an_iso_date_keeps_its_precision(ask_outside, today, imei):
    bought = months_back(today, 30)

    events, dispatcher = ask_outside(
        device_model="oneplus-13",
        purchase_date=bought.isoformat(),
        purchase_date_precision="month",
        serial_number="86 1234 5678 90127",
    )

    until = warranty_end(bought)
    assert dispatcher.messages == personal(
        "一加 13", month(bought), "utter_warranty_out_expired", cn(until)
    )
    assert events == remembered("oneplus-13", bought.isoformat(), imei)


def test_outside_the_form_implausible_values_are_dropped(ask_outside, bad_imei):
    events, dispatcher = ask_outside(
        device_model="华为 P60", purchase_date="2099-01-01", serial_number=bad_imei
    )

    assert dispatcher.messages == ASK_DETAILS
    assert events == remembered(None, None, None)


def test_outside_the_form_a_date_before_the_launch_is_dropped(ask_outside):
    events, dispatcher = ask_outside(device_model="一加12", purchase_date="2020年3月")

    assert dispatcher.messages == ASK_DETAILS
    assert events == remembered("oneplus-12", None, None)


def test_outside_the_form_extended_warranty_by_imei(ask_outside, today, imei):
    ends = today + dt.timedelta(days=100)
    extended(imei, today - dt.timedelta(days=400), ends)

    events, dispatcher = ask_outside(f"IMEI {imei}", entities=[("serial_number", imei)])

    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_extended_only", serial="8612*******0127", until=cn(ends)),
    ]
    assert events == remembered(None, None, imei)
    assert all(imei not in repr(v) for m in dispatcher.messages for v in m.values())


def test_outside_the_form_an_expired_extended_warranty_is_not_announced(ask_outside, today, imei):
    extended(imei, today - dt.timedelta(days=800), today - dt.timedelta(days=30))

    events, dispatcher = ask_outside(f"IMEI {imei}", entities=[("serial_number", imei)])

    assert dispatcher.messages == ASK_DETAILS
    assert events[-1] == SlotSet("serial_number", imei)


def test_outside_the_form_store_down_still_answers(ask_outside, db_down, imei):
    db_down()

    events, dispatcher = ask_outside(serial_number=imei)

    assert dispatcher.messages == ASK_DETAILS
    assert events == remembered(None, None, imei)


# ---------------------------------------------------------- warranty card, 三包, accessories


def card(imei: str, activated_on: dt.date) -> None:
    with session_scope() as session:
        import_cards(session, [CardRow(2, imei, "oneplus-12", activated_on)], source="test.csv")


def responses(dispatcher: Any) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


def test_the_warranty_card_wins_and_the_owner_is_told(ask_outside, today, imei):
    activated = today - dt.timedelta(days=3)
    card(imei, activated)

    _, dispatcher = ask_outside(
        device_model="oneplus-12",
        purchase_date="2023-03-01",
        purchase_date_precision="month",
        serial_number=imei,
    )

    # Years after the remembered month, days after the activation: covered, 三包 open.
    until = coverage_end(activated, 24)
    assert dispatcher.messages[:3] == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_card_found", activated=cn(activated), stated="2023年3月"),
        msg("utter_warranty_in_warranty", until=cn(until)),
    ]
    assert responses(dispatcher)[3:] == ["utter_warranty_sanbao_return"]


def test_the_card_alone_with_the_device_answers(ask_outside, today, imei):
    activated = months_back(today, 30)
    card(imei, activated)

    _, dispatcher = ask_outside(device_model="oneplus-12", serial_number=imei)

    assert dispatcher.messages[1] == msg(
        "utter_warranty_card_found", activated=cn(activated), stated="未提供"
    )
    assert responses(dispatcher)[2:] == ["utter_warranty_out_expired"]


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (
            2,
            msg(
                "utter_warranty_sanbao_return",
                return_until=5,
                return_left="还剩 5 天",
                exchange_until=13,
                exchange_left="还剩 13 天",
                return_limit=7,
            ),
        ),
        (
            7,
            msg(
                "utter_warranty_sanbao_return",
                return_until=0,
                return_left="今天是最后一天",
                exchange_until=8,
                exchange_left="还剩 8 天",
                return_limit=7,
            ),
        ),
        (
            10,
            msg(
                "utter_warranty_sanbao_exchange",
                exchange_until=5,
                exchange_left="还剩 5 天",
                exchange_limit=15,
            ),
        ),
    ],
)
def test_the_sanbao_options_still_open_with_the_days_left(ask_outside, today, days_ago, expected):
    # (the *_until values are days from today)
    expected = {
        k: cn(today + dt.timedelta(days=v)) if k.endswith("_until") else v
        for k, v in expected.items()
    }

    _, dispatcher = ask_outside(
        device_model="oneplus-12",
        purchase_date=(today - dt.timedelta(days=days_ago)).isoformat(),
        purchase_date_precision="day",
    )

    assert responses(dispatcher)[:3] == [
        "utter_warranty_policy",
        "utter_warranty_personal",
        "utter_warranty_in_warranty",
    ]
    assert dispatcher.messages[3:] == [expected]


@pytest.mark.parametrize(("days_ago", "precision"), [(16, "day"), (3, "month")])
def test_no_sanbao_options_after_15_days_or_without_the_day(
    ask_outside, today, days_ago, precision
):
    _, dispatcher = ask_outside(
        device_model="oneplus-12",
        purchase_date=(today - dt.timedelta(days=days_ago)).isoformat(),
        purchase_date_precision=precision,
    )

    assert responses(dispatcher)[-1] == "utter_warranty_in_warranty"


@pytest.mark.parametrize(
    ("text", "response", "part_name", "months"),
    [
        ("我的充电器还在保修吗", "utter_warranty_accessory_in", "充电器", 12),
        ("耳机还保修吗", "utter_warranty_accessory_out", "有线耳机", 3),
        ("电池还在保修期吗", "utter_warranty_accessory_in", "电池", 6),
    ],
)
def test_an_accessory_gets_its_own_period(ask_outside, today, text, response, part_name, months):
    bought = months_back(today, 5)

    _, dispatcher = ask_outside(
        text,
        device_model="oneplus-12",
        purchase_date=bought.isoformat(),
        purchase_date_precision="day",
    )

    until = months_back(bought, -months) - dt.timedelta(days=1)  # (bought on the 1st)
    assert dispatcher.messages[-1] == msg(
        response, part_name=part_name, months=months, until=cn(until)
    )


def test_an_accessory_without_a_date_gets_its_period_only(ask_outside):
    _, dispatcher = ask_outside("数据线还保修吗")

    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_accessory", part_name="数据线", months=3),
        msg("utter_warranty_ask_details"),
    ]

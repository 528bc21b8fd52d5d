"""ActionQuotePrice: one part's reference price, a model's list, or the model asked for."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.prices import ActionQuotePrice
from tests.actions.helpers import cleared, msg
from tests.actions.lookup_helpers import lookup_runner

NOTE = msg("utter_price_estimate_note")


@pytest.fixture
def quote(run, make_tracker):
    return lookup_runner(run, make_tracker, ActionQuotePrice(), "ask_price", "fault_description")


@pytest.mark.parametrize(
    ("text", "call", "device", "part", "price", "device_id"),
    [
        pytest.param(
            "一加12换屏幕多少钱",
            {"entities": [("device_model", "一加12")]},
            "一加 12",
            "屏幕总成",
            1399,
            "oneplus-12",
            id="quote_for_a_model_and_a_part",
        ),
        pytest.param(
            "一加 Ace 3 尾插坏了修一下多少钱",
            {},
            "一加 Ace 3",
            "充电口（尾插）",
            119,
            "oneplus-ace-3",
            id="quote_from_the_text_alone",
        ),
        pytest.param(
            "换个电池要多少钱",
            {"device_model": "oneplus-12"},
            "一加 12",
            "电池",
            249,
            "oneplus-12",
            id="model_from_the_intake_slot",
        ),
        pytest.param(
            "一加13",
            {
                "intent": "inform",
                "entities": [("device_model", "一加13")],
                "price_asked": True,
                "price_part": "battery",
            },
            "一加 13",
            "电池",
            269,
            "oneplus-13",
            id="the_model_answering_the_question_gets_the_pending_part",
        ),
    ],
)
def test_quote(
    quote, text: str, call: dict[str, Any], device: str, part: str, price: int, device_id: str
):
    events, dispatcher = quote(text, **call)

    assert dispatcher.messages == [
        msg("utter_price_quote", device_name=device, part_name=part, price=price),
        NOTE,
    ]
    assert events == [*cleared(), SlotSet("price_device", device_id)]


def test_list_for_a_model_without_part(quote):
    events, dispatcher = quote("一加13修手机大概多少钱", entities=[("device_model", "oneplus-13")])

    assert dispatcher.messages == [
        msg(
            "utter_price_list",
            device_name="一加 13",
            lines=(
                "· 屏幕总成：1499 元\n"
                "· 电池：269 元\n"
                "· 充电口（尾插）：179 元\n"
                "· 后盖：349 元\n"
                "· 后置摄像头：799 元"
            ),
        ),
        NOTE,
    ]
    assert events == [*cleared(), SlotSet("price_device", "oneplus-13")]


def test_without_model_asks_for_it_and_keeps_the_part(quote):
    events, dispatcher = quote("换电池多少钱")

    assert dispatcher.messages == [msg("utter_ask_price_model")]
    assert events == [*cleared(), SlotSet("price_asked", True), SlotSet("price_part", "battery")]


def test_without_model_or_part_asks_for_the_model(quote):
    events, dispatcher = quote("修手机要多少钱")

    assert dispatcher.messages == [msg("utter_ask_price_model")]
    assert events == [*cleared(), SlotSet("price_asked", True), SlotSet("price_part", None)]


def test_unknown_model_after_the_question(quote):
    events, dispatcher = quote("小米14", "inform", price_asked=True, price_part="battery")

    assert dispatcher.messages == [msg("utter_price_unknown_model", user_text="小米14")]
    assert events == [*cleared(), SlotSet("price_asked", True), SlotSet("price_part", "battery")]


def test_inside_the_form_the_question_is_not_left_pending(quote):
    events, dispatcher = quote("换屏多少钱", active_loop="repair_form")

    assert dispatcher.messages == [msg("utter_ask_price_model")]
    assert events == cleared()


def test_a_follow_up_price_question_keeps_the_model_of_the_last_one(quote):
    events, dispatcher = quote("换电池要多少钱", price_device="oneplus-ace-3")

    assert dispatcher.messages[0]["device_name"] == "一加 Ace 3"
    assert dispatcher.messages[0]["part_name"] == "电池"
    assert events == [*cleared(), SlotSet("price_device", "oneplus-ace-3")]


def test_a_model_named_in_the_message_wins_over_the_remembered_one(quote):
    events, dispatcher = quote(
        "一加12换电池多少钱", entities=[("device_model", "oneplus-12")], price_device="oneplus-13"
    )

    assert dispatcher.messages[0]["device_name"] == "一加 12"
    assert events == [*cleared(), SlotSet("price_device", "oneplus-12")]

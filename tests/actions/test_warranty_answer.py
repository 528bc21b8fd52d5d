"""ActionAnswerWarranty: the policy, plus the user's own status when it can be told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.actions.warranty import ActionAnswerWarranty
from bot.tickets import add_extended_warranty, session_scope
from tests.actions.helpers import cn, months_back, msg


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
        {"device_model": "一加12", "purchase_date": "2025-03-01"},
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

    until = dt.date(bought.year + 2, bought.month, 1) - dt.timedelta(days=1)
    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg(
            "utter_warranty_personal",
            device_name="一加 13",
            purchase=f"{bought.year}年{bought.month}月",
        ),
        msg("utter_warranty_in_warranty", until=cn(until)),
    ]
    # The answer is a digression: it sets no slot, the form resumes.
    assert events == []


def test_personal_answer_with_extended_warranty(ask, today, imei):
    bought = months_back(today, 30)
    ends = today + dt.timedelta(days=200)
    with session_scope() as session:
        add_extended_warranty(
            session,
            serial_number=imei,
            plan="延保",
            starts_on=bought,
            ends_on=ends,
            source="test",
        )

    events, dispatcher = ask(
        device_model="oneplus-12",
        purchase_date=bought.isoformat(),
        purchase_date_precision="day",
        serial_number=imei,
    )

    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_personal", device_name="一加 12", purchase=cn(bought)),
        msg("utter_warranty_extended_warranty", until=cn(ends)),
    ]
    assert events == []


def test_personal_answer_for_liquid_damage(ask, today):
    bought = today - dt.timedelta(days=10)

    events, dispatcher = ask(
        device_model="oneplus-12",
        purchase_date=bought.isoformat(),
        fault_category="other",
        fault_description="手机掉马桶里了",
    )

    assert dispatcher.messages == [
        msg("utter_warranty_policy"),
        msg("utter_warranty_personal", device_name="一加 12", purchase=cn(bought)),
        msg("utter_warranty_out_liquid", until=""),
    ]
    assert events == []

"""ValidateRepairForm: extraction, validation and the slots the form asks for."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from typing import Any

import pytest
import yaml
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.intake_form import VALUE_INTENTS, ValidateRepairForm, refused_question
from bot.catalog import load_catalogue
from bot.trainer import paths
from tests.actions.helpers import msg

INTAKE_ID = "0123456789abcdef0123456789abcdef"
ACE_MODELS = [
    ("一加 Ace 2", "oneplus-ace-2"),
    ("一加 Ace 2V", "oneplus-ace-2v"),
    ("一加 Ace 2 Pro", "oneplus-ace-2-pro"),
    ("一加 Ace 3", "oneplus-ace-3"),
    ("一加 Ace 3V", "oneplus-ace-3v"),
    ("一加 Ace 3 Pro", "oneplus-ace-3-pro"),
    ("一加 Ace 5", "oneplus-ace-5"),
    ("一加 Ace 5 Pro", "oneplus-ace-5-pro"),
]


def slots(**values: Any) -> dict[str, Any]:
    """Slots of an intake that already has its id."""
    return {"intake_id": INTAKE_ID, **values}


# Slots collected before each question, in the form's order.
BEFORE_DEVICE = slots(fault_description="屏幕有绿线", fault_category="screen")
BEFORE_DATE = {**BEFORE_DEVICE, "device_model": "oneplus-12"}
BEFORE_SERIAL = {
    **BEFORE_DATE,
    "purchase_date": "2025-03-01",
    "purchase_date_precision": "month",
}
BEFORE_SERVICE = {**BEFORE_SERIAL, "serial_number": "861234567890127"}
BEFORE_PHONE = {**BEFORE_SERVICE, "service_type": "mail_in"}


@pytest.fixture
def validate(run):
    """Runs ValidateRepairForm on a tracker."""

    def _validate(tracker):
        return run(ValidateRepairForm(), tracker)

    return _validate


def self_help(category: str) -> dict[str, Any]:
    """The self-help tips of a fault category, as the form shows them."""
    fault = load_catalogue().fault(category)
    assert fault is not None
    tips = "\n".join(f"· {tip}" for tip in fault.self_help)
    return msg("utter_fault_self_help", fault_name=fault.name, tips=tips)


def required(tracker, domain) -> list[str]:
    form = ValidateRepairForm()
    return asyncio.run(
        form.required_slots(form.domain_slots(domain), CollectingDispatcher(), tracker, domain)
    )


# --- fault description -----------------------------------------------------------------------


def test_fault_intent_at_activation_fills_description_and_category(make_tracker, validate):
    tracker = make_tracker(slots(), "屏幕有绿线，一直闪", "fault_screen")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", "屏幕有绿线，一直闪"),
        SlotSet("fault_category", "screen"),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [self_help("screen")]


def test_request_repair_gives_no_description(make_tracker, validate):
    tracker = make_tracker(slots(), "我要报修", "request_repair")

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "fault_description")]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("ranking", "category"),
    [
        (
            [
                {"name": "inform", "confidence": 0.55},
                {"name": "fault_system", "confidence": 0.3},
                {"name": "fault_battery", "confidence": 0.15},
            ],
            "system",
        ),
        (
            [
                {"name": "inform", "confidence": 0.6},
                {"name": "fault_battery", "confidence": 0.2},
            ],
            "battery",
        ),
        (
            [
                {"name": "inform", "confidence": 0.81},
                {"name": "fault_system", "confidence": 0.19},
            ],
            "other",
        ),
        ([{"name": "inform", "confidence": 0.9}], "other"),
    ],
)
def test_answer_to_fault_question_takes_category_from_ranking(
    make_tracker, validate, ranking, category
):
    tracker = make_tracker(
        slots(),
        "手机用一会就发烫",
        "inform",
        requested_slot="fault_description",
        intent_ranking=ranking,
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", "手机用一会就发烫"),
        SlotSet("fault_category", category),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == ([] if category == "other" else [self_help(category)])


def test_a_vague_description_gets_the_faults_follow_up_first(make_tracker, validate):
    tracker = make_tracker(slots(), "碎屏", "fault_screen")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", None),
        SlotSet("fault_brief", "碎屏"),
        SlotSet("fault_category", "screen"),
        SlotSet("requested_slot", "fault_description"),
    ]
    assert dispatcher.messages == []  # action_ask_fault_description asks the follow-up


@pytest.mark.parametrize("intent", ["inform", "deny", "fault_screen", "nlu_fallback"])
def test_the_follow_up_answer_completes_the_description(make_tracker, validate, intent):
    tracker = make_tracker(
        slots(fault_brief="碎屏", fault_category="screen"),
        "摔了一下，左上角裂了",
        intent,
        requested_slot="fault_description",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", "碎屏；摔了一下，左上角裂了"),
        SlotSet("fault_category", "screen"),
        SlotSet("fault_brief", None),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [self_help("screen")]


def test_the_follow_up_is_not_taken_from_a_request_for_a_person(make_tracker, validate):
    tracker = make_tracker(
        slots(fault_brief="碎屏", fault_category="screen"),
        "转人工",
        "request_human",
        requested_slot="fault_description",
    )

    events, _ = validate(tracker)

    assert SlotSet("fault_description", "碎屏；转人工") not in events


def test_a_long_enough_description_gets_no_follow_up(make_tracker, validate):
    tracker = make_tracker(slots(), "屏幕碎了", "fault_screen")

    events, _ = validate(tracker)

    assert SlotSet("fault_description", "屏幕碎了") in events
    assert not any(e.get("name") == "fault_brief" for e in events)


def test_too_short_fault_description_is_refused(make_tracker, validate):
    tracker = make_tracker(slots(), "坏", "inform", requested_slot="fault_description")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", None),
        SlotSet("intake_failures", {"fault_description": 1}),
        SlotSet("requested_slot", "fault_description"),
    ]
    assert dispatcher.messages == [msg("utter_fault_too_short")]


# --- device model ----------------------------------------------------------------------------


def test_catalogue_id_from_entity_ruler_is_accepted(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_DEVICE,
        "一加12",
        "inform",
        entities=[("device_model", "oneplus-12")],
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize("text", ["一加十二", "oneplsu 12", "OnePlus 12"])
def test_device_text_is_resolved(make_tracker, validate, text):
    tracker = make_tracker(BEFORE_DEVICE, text, "inform", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == []


def test_family_name_offers_one_button_per_model(make_tracker, validate):
    tracker = make_tracker(BEFORE_DEVICE, "一加Ace", "inform", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    buttons = [
        {"title": name, "payload": f'/inform{{"device_model":"{device_id}"}}'}
        for name, device_id in ACE_MODELS
    ]
    assert events == [
        SlotSet("device_model", None),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [msg("utter_device_ambiguous", buttons=buttons)]
    assert buttons[0]["payload"] == '/inform{"device_model":"oneplus-ace-2"}'


def test_other_brand_is_named(make_tracker, validate):
    tracker = make_tracker(BEFORE_DEVICE, "iPhone 15", "inform", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", None),
        SlotSet("intake_failures", {"device_model": 1}),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [msg("utter_device_other_brand", brand="iPhone")]


def test_unknown_device_is_not_found(make_tracker, validate):
    tracker = make_tracker(BEFORE_DEVICE, "asdfgh", "inform", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", None),
        SlotSet("intake_failures", {"device_model": 1}),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [msg("utter_device_not_found", user_text="asdfgh")]


def test_second_device_failure_offers_human_help(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_DEVICE, "intake_failures": {"device_model": 1, "city": 1}},
        "asdfgh",
        "inform",
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", None),
        SlotSet("intake_failures", {"device_model": 2, "city": 1}),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [
        msg("utter_device_not_found", user_text="asdfgh"),
        msg("utter_offer_human_help"),
    ]


def test_device_launched_after_the_purchase_date_clears_the_date(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_DEVICE, "purchase_date": "2025-03-01", "purchase_date_precision": "month"},
        "一加15",
        "inform",
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-15"),
        SlotSet("purchase_date", None),
        SlotSet("purchase_date_precision", None),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == [
        msg("utter_date_before_launch", device_name="一加 15", launch_month="2025年10月")
    ]


# --- purchase date ---------------------------------------------------------------------------


def test_relative_month_is_resolved(make_tracker, validate, today):
    tracker = make_tracker(BEFORE_DATE, "去年三月", "inform", requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    expected = dt.date(today.year - 1, 3, 1).isoformat()
    assert events == [
        SlotSet("purchase_date", expected),
        SlotSet("purchase_date_precision", "month"),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == []


def test_future_date_is_refused(make_tracker, validate):
    tracker = make_tracker(BEFORE_DATE, "明年三月", "inform", requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("intake_failures", {"purchase_date": 1}),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == [msg("utter_date_future")]


def test_date_before_launch_is_refused(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_DEVICE, "device_model": "oneplus-15"},
        "2025年3月",
        "inform",
        requested_slot="purchase_date",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("intake_failures", {"purchase_date": 1}),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == [
        msg("utter_date_before_launch", device_name="一加 15", launch_month="2025年10月")
    ]


def test_second_date_failure_offers_to_skip(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_DATE, "intake_failures": {"purchase_date": 1}},
        "好久了",
        "inform",
        requested_slot="purchase_date",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("intake_failures", {"purchase_date": 2}),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == [msg("utter_date_not_understood"), msg("utter_offer_skip")]


def test_dont_know_skips_the_purchase_date(make_tracker, validate):
    tracker = make_tracker(BEFORE_DATE, "不知道", "deny", requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("skipped_slots", ["purchase_date"]),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == [msg("utter_skipped")]


def test_purchase_date_in_fault_message_is_taken_when_not_requested(make_tracker, validate, today):
    tracker = make_tracker(slots(), "我的手机去年三月买的，屏幕碎了", "fault_screen")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", "我的手机去年三月买的，屏幕碎了"),
        SlotSet("purchase_date", dt.date(today.year - 1, 3, 1).isoformat()),
        SlotSet("fault_category", "screen"),
        SlotSet("purchase_date_precision", "month"),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [self_help("screen")]


def test_purchase_date_after_a_model_number_keeps_its_year(make_tracker, validate, today):
    text = "我的一加12去年三月买的，屏幕碎了"
    tracker = make_tracker(slots(), text, "fault_screen", entities=[("device_model", "一加12")])

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("fault_description", text),
        SlotSet("purchase_date", dt.date(today.year - 1, 3, 1).isoformat()),
        SlotSet("fault_category", "screen"),
        SlotSet("purchase_date_precision", "month"),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == [self_help("screen")]


def test_date_without_purchase_cue_is_not_taken(make_tracker, validate):
    tracker = make_tracker(slots(), "三天前开始充不进电", "fault_charging")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("fault_description", "三天前开始充不进电"),
        SlotSet("fault_category", "charging"),
        SlotSet("requested_slot", "device_model"),
    ]
    assert dispatcher.messages == [self_help("charging")]


# --- serial number ---------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["spaced", "fullwidth", "labelled"])
def test_valid_imei_is_normalised(make_tracker, validate, imei, spelling):
    text = {
        "spaced": f"{imei[:2]} {imei[2:6]} {imei[6:10]} {imei[10:14]} {imei[14]}",
        "fullwidth": imei.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "labelled": f"IMEI：{imei}",
    }[spelling]
    assert text != imei
    tracker = make_tracker(BEFORE_SERIAL, text, "inform", requested_slot="serial_number")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("serial_number", imei),
        SlotSet("existing_ticket_no", None),
        SlotSet("duplicate_confirmed", None),
        SlotSet("requested_slot", "service_type"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("bad", "utter_serial_bad_checksum"),
        ("8612345678", "utter_serial_wrong_length"),
        ("在盒子上", "utter_serial_not_found"),
    ],
)
def test_bad_serial_is_refused(make_tracker, validate, bad_imei, text, response):
    text = bad_imei if text == "bad" else text
    tracker = make_tracker(BEFORE_SERIAL, text, "inform", requested_slot="serial_number")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("serial_number", None),
        SlotSet("intake_failures", {"serial_number": 1}),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == [msg(response)]


def test_open_ticket_for_the_same_imei_asks_about_a_duplicate(
    make_tracker, validate, domain, imei, ticket_factory
):
    existing = ticket_factory(serial_number=imei)
    tracker = make_tracker(BEFORE_SERIAL, imei, "inform", requested_slot="serial_number")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("serial_number", imei),
        SlotSet("existing_ticket_no", existing.ticket_no),
        SlotSet("duplicate_confirmed", None),
        SlotSet("requested_slot", "duplicate_confirmed"),
    ]
    assert dispatcher.messages == []
    after = make_tracker({**BEFORE_SERVICE, "existing_ticket_no": existing.ticket_no})
    assert required(after, domain) == [
        "fault_description",
        "device_model",
        "purchase_date",
        "serial_number",
        "duplicate_confirmed",
        "service_type",
        "contact_phone",
        "intake_confirmed",
    ]


def test_closed_ticket_is_no_duplicate(make_tracker, validate, imei, ticket_factory):
    from bot.tickets import session_scope, set_status

    existing = ticket_factory(serial_number=imei)
    with session_scope() as session:
        set_status(session, ticket_no=existing.ticket_no, status="completed", changed_by="t")
    tracker = make_tracker(BEFORE_SERIAL, imei, "inform", requested_slot="serial_number")

    events, _ = validate(tracker)

    assert SlotSet("existing_ticket_no", None) in events
    assert events[-1] == SlotSet("requested_slot", "service_type")


def test_declining_a_duplicate_ends_the_form(make_tracker, validate, domain):
    tracker = make_tracker(
        {**BEFORE_SERVICE, "existing_ticket_no": "R20260101-0001"},
        "不用了",
        "deny",
        requested_slot="duplicate_confirmed",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("duplicate_confirmed", False),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []
    done = make_tracker(
        {**BEFORE_SERVICE, "existing_ticket_no": "R20260101-0001", "duplicate_confirmed": False}
    )
    assert required(done, domain) == [
        "fault_description",
        "device_model",
        "purchase_date",
        "serial_number",
        "duplicate_confirmed",
    ]


def test_accepting_a_duplicate_goes_on(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_SERVICE, "existing_ticket_no": "R20260101-0001"},
        "需要",
        "affirm",
        requested_slot="duplicate_confirmed",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("duplicate_confirmed", True),
        SlotSet("requested_slot", "service_type"),
    ]
    assert dispatcher.messages == []


# --- service type and city -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities", "service", "next_events"),
    [
        ("寄修", (), "mail_in", [SlotSet("requested_slot", "contact_phone")]),
        ("上门", (), "home", []),
        ("到店", (), "store", []),
        ("我想寄过去修", (), "mail_in", [SlotSet("requested_slot", "contact_phone")]),
        (
            '/inform{"service_type":"mail_in"}',
            [("service_type", "mail_in")],
            "mail_in",
            [SlotSet("requested_slot", "contact_phone")],
        ),
        ('/inform{"service_type":"store"}', [("service_type", "store")], "store", []),
        ('/inform{"service_type":"home"}', [("service_type", "home")], "home", []),
    ],
)
def test_service_type_is_mapped(make_tracker, validate, text, entities, service, next_events):
    tracker = make_tracker(
        BEFORE_SERVICE, text, "inform", entities=entities, requested_slot="service_type"
    )

    events, dispatcher = validate(tracker)

    # With a city to ask, the required slots equal the domain's: Rasa picks the next slot.
    assert events == [SlotSet("service_type", service), *next_events]
    assert dispatcher.messages == []


def test_unknown_service_type_is_refused(make_tracker, validate):
    tracker = make_tracker(BEFORE_SERVICE, "随便吧", "inform", requested_slot="service_type")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("service_type", None),
        SlotSet("intake_failures", {"service_type": 1}),
        SlotSet("requested_slot", "service_type"),
    ]
    assert dispatcher.messages == [msg("utter_service_type_unknown")]


def test_negated_service_keyword_is_not_taken(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_SERVICE, "不想去店里，上门吧", "inform", requested_slot="service_type"
    )

    events, _ = validate(tracker)

    assert events == [SlotSet("service_type", "home")]


@pytest.mark.parametrize(
    ("service", "needs_city"),
    [(None, False), ("mail_in", False), ("store", True), ("home", True)],
)
def test_city_is_required_only_for_store_and_home(make_tracker, domain, service, needs_city):
    tracker = make_tracker({**BEFORE_SERVICE, "service_type": service})

    expected = [
        "fault_description",
        "device_model",
        "purchase_date",
        "serial_number",
        "service_type",
        *(["city"] if needs_city else []),
        "contact_phone",
        "intake_confirmed",
    ]
    assert required(tracker, domain) == expected


def test_skipped_slots_are_not_required(make_tracker, domain):
    tracker = make_tracker(slots(skipped_slots=["purchase_date", "serial_number"]))

    assert required(tracker, domain) == [
        "fault_description",
        "device_model",
        "service_type",
        "contact_phone",
        "intake_confirmed",
    ]


@pytest.mark.parametrize(
    ("text", "city"),
    [("成都市", "成都"), ("我在北京", "北京"), ("我住在上海市", "上海"), ("西安", "西安")],
)
def test_city_is_cleaned(make_tracker, validate, text, city):
    tracker = make_tracker(
        {**BEFORE_SERVICE, "service_type": "store"}, text, "inform", requested_slot="city"
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("city", city)]
    assert dispatcher.messages == []


def test_city_entity_is_cleaned(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_SERVICE, "service_type": "home"},
        "成都市",
        "inform",
        entities=[("city", "成都市")],
        requested_slot="city",
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("city", "成都")]
    assert dispatcher.messages == []


def test_invalid_city_is_refused(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_SERVICE, "service_type": "store"}, "123", "inform", requested_slot="city"
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("city", None),
        SlotSet("intake_failures", {"city": 1}),
    ]
    assert dispatcher.messages == [msg("utter_city_invalid")]


# --- contact phone ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["+86 139-1234-5678", "我的电话是１３９１２３４５６７８"])
def test_mobile_number_is_normalised(make_tracker, validate, text):
    tracker = make_tracker(BEFORE_PHONE, text, "inform", requested_slot="contact_phone")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("contact_phone", "13912345678"),
        SlotSet("requested_slot", "intake_confirmed"),
    ]
    assert dispatcher.messages == []


def test_phone_entity_fills_contact_phone(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_PHONE,
        "139 1234 5678",
        "inform",
        entities=[("phone_number", "139 1234 5678")],
        requested_slot="contact_phone",
    )

    events, _ = validate(tracker)

    assert events == [
        SlotSet("contact_phone", "13912345678"),
        SlotSet("requested_slot", "intake_confirmed"),
    ]


@pytest.mark.parametrize(
    ("text", "response"),
    [("010-12345678", "utter_phone_not_mobile"), ("1391234", "utter_phone_invalid")],
)
def test_bad_phone_is_refused(make_tracker, validate, text, response):
    tracker = make_tracker(BEFORE_PHONE, text, "inform", requested_slot="contact_phone")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("contact_phone", None),
        SlotSet("intake_failures", {"contact_phone": 1}),
        SlotSet("requested_slot", "contact_phone"),
    ]
    assert dispatcher.messages == [msg(response)]


# --- confirmation ----------------------------------------------------------------------------


@pytest.mark.parametrize(("intent", "value"), [("affirm", True), ("deny", None)])
def test_answer_to_the_summary(make_tracker, validate, intent, value):
    tracker = make_tracker(
        {**BEFORE_PHONE, "contact_phone": "13912345678"},
        "好的" if value else "不对",
        intent,
        requested_slot="intake_confirmed",
    )

    events, dispatcher = validate(tracker)

    expected_next = None if value else "intake_confirmed"
    assert events == [
        SlotSet("intake_confirmed", value),
        SlotSet("requested_slot", expected_next),
    ]
    assert dispatcher.messages == []


# --- corrections, digressions, control intents ----------------------------------------------


def test_model_correction_while_asking_for_the_serial(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_SERIAL,
        "型号说错了，是一加11",
        "inform",
        entities=[("device_model", "一加11")],
        requested_slot="serial_number",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-11"),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("intent", "text"),
    [("ask_warranty", "保修期是多久"), ("cancel", "不修了"), ("request_human", "转人工")],
)
def test_control_intent_fills_no_slot(make_tracker, validate, intent, text):
    tracker = make_tracker(BEFORE_DEVICE, text, intent, requested_slot="device_model")

    events, dispatcher = validate(tracker)

    # Only the (unchanged) requested slot: Rasa rejects the form, the rules answer.
    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


def test_control_intent_fills_no_slot_when_nothing_else_changes(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_PHONE, "service_type": "store"},
        "保修期是多久",
        "ask_warranty",
        requested_slot="city",
    )

    events, dispatcher = validate(tracker)

    assert events == []
    assert dispatcher.messages == []


def test_warranty_question_with_purchase_date_is_left_to_the_rules(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_DEVICE,
        "我去年三月买的，还在保修吗",
        "ask_warranty",
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [("保修是两年吗", "inform"), ("屏幕保修吗", "fault_screen"), ("不知道", "deny")],
)
def test_message_answered_by_a_digression_is_not_consumed_again(
    make_tracker, validate, text, intent
):
    tracker = make_tracker(
        BEFORE_DEVICE,
        text,
        intent,
        requested_slot="device_model",
        events_after_user=[
            ActionExecuted("action_answer_warranty"),
            ActionExecuted("action_listen"),
        ],
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


def test_same_message_without_digression_is_consumed(make_tracker, validate):
    # The counterpart of the digression test: here the text is read as a model.
    tracker = make_tracker(BEFORE_DEVICE, "不知道", "deny", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events[0] == SlotSet("device_model", None)
    assert dispatcher.messages == [msg("utter_device_not_found", user_text="不知道")]


def test_pending_cancel_question_leaves_the_message_to_the_rules(make_tracker, validate):
    tracker = make_tracker(
        {**BEFORE_DEVICE, "cancel_pending": True},
        "一加12",
        "affirm",
        entities=[("device_model", "oneplus-12")],
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == []
    assert dispatcher.messages == []


# --- intake id -------------------------------------------------------------------------------


def test_new_intake_gets_an_id(make_tracker, validate):
    tracker = make_tracker({}, "屏幕有绿线", "fault_screen")

    events, _ = validate(tracker)

    assert events[:-1] == [
        SlotSet("fault_description", "屏幕有绿线"),
        SlotSet("fault_category", "screen"),
        SlotSet("requested_slot", "device_model"),
    ]
    last = events[-1]
    assert (last["event"], last["name"]) == ("slot", "intake_id")
    assert re.fullmatch(r"[0-9a-f]{32}", last["value"])
    assert uuid.UUID(hex=last["value"]).hex == last["value"]


def test_new_intakes_get_different_ids(make_tracker, validate):
    first, _ = validate(make_tracker({}, "我要报修", "request_repair"))
    second, _ = validate(make_tracker({}, "我要报修", "request_repair"))

    assert first[-1]["name"] == second[-1]["name"] == "intake_id"
    assert first[-1]["value"] != second[-1]["value"]


def test_existing_intake_id_is_kept(make_tracker, validate):
    tracker = make_tracker(BEFORE_DEVICE, "一加十二", "inform", requested_slot="device_model")

    events, _ = validate(tracker)

    assert [e["name"] for e in events] == ["device_model", "requested_slot"]


# --- more paths ------------------------------------------------------------------------------


def test_button_after_ambiguity_is_accepted(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_DEVICE,
        '/inform{"device_model":"oneplus-ace-3-pro"}',
        "inform",
        entities=[("device_model", "oneplus-ace-3-pro")],
        requested_slot="device_model",
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-ace-3-pro"),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == []


def test_dont_know_skips_the_serial_number(make_tracker, validate, domain):
    tracker = make_tracker(BEFORE_SERIAL, "不知道", "deny", requested_slot="serial_number")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("serial_number", None),
        SlotSet("skipped_slots", ["serial_number"]),
        SlotSet("requested_slot", "service_type"),
    ]
    assert dispatcher.messages == [msg("utter_skipped")]


def test_deny_is_no_skip_for_a_required_slot(make_tracker, validate):
    tracker = make_tracker(BEFORE_PHONE, "不想给", "deny", requested_slot="contact_phone")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("contact_phone", None),
        SlotSet("intake_failures", {"contact_phone": 1}),
        SlotSet("requested_slot", "contact_phone"),
    ]
    assert dispatcher.messages == [msg("utter_phone_invalid")]


def test_duplicate_check_is_skipped_when_the_store_is_down(
    make_tracker, validate, imei, ticket_factory, db_down
):
    ticket_factory(serial_number=imei)
    db_down()
    tracker = make_tracker(BEFORE_SERIAL, imei, "inform", requested_slot="serial_number")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("serial_number", imei),
        SlotSet("existing_ticket_no", None),
        SlotSet("duplicate_confirmed", None),
        SlotSet("requested_slot", "service_type"),
    ]
    assert dispatcher.messages == []


def test_nlu_fallback_answer_is_read_as_the_requested_slot(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_DEVICE, "一加十二", "nlu_fallback", requested_slot="device_model", confidence=0.3
    )

    events, _ = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("requested_slot", "purchase_date"),
    ]


def test_misclassified_value_is_still_read(make_tracker, validate):
    # A model name classified as affirm still answers the model question.
    tracker = make_tracker(BEFORE_DEVICE, "一加十二", "affirm", requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("device_model", "oneplus-12"),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize(("intent", "text"), [("affirm", "好的"), ("greet", "你好")])
def test_other_intent_without_a_value_is_not_read(make_tracker, validate, intent, text):
    tracker = make_tracker(BEFORE_DEVICE, text, intent, requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("requested", "before", "next_slot"),
    [
        ("purchase_date", BEFORE_DATE, "serial_number"),
        ("serial_number", BEFORE_SERIAL, "service_type"),
    ],
)
def test_skip_button_skips_an_optional_slot(make_tracker, validate, requested, before, next_slot):
    # utter_offer_skip's button sends the payload "/deny" (no text).
    tracker = make_tracker(before, "/deny", "deny", requested_slot=requested)

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet(requested, None),
        SlotSet("skipped_slots", [requested]),
        SlotSet("requested_slot", next_slot),
    ]
    assert dispatcher.messages == [msg("utter_skipped")]


@pytest.mark.parametrize(
    ("intent", "text"), [("cancel", "一加12不修了"), ("request_human", "一加12转人工")]
)
def test_command_with_a_model_name_fills_nothing(make_tracker, validate, intent, text):
    tracker = make_tracker(BEFORE_DEVICE, text, intent, requested_slot="device_model")

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


def test_status_question_during_the_serial_question_is_left_to_the_rules(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_SERIAL,
        "查一下R20260101-0001的进度",
        "check_repair_status",
        entities=[("ticket_no", "R20260101-0001")],
        requested_slot="serial_number",
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "serial_number")]
    assert dispatcher.messages == []


def test_warranty_question_naming_the_model_is_left_to_the_rules(make_tracker, validate):
    tracker = make_tracker(
        BEFORE_DEVICE, "我的一加12还在保修吗", "ask_warranty", requested_slot="device_model"
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "device_model")]
    assert dispatcher.messages == []


# --- questions inside the intake --------------------------------------------------------------
# A question without the awaited value is never read as one, whatever the intent: the form
# rejects the message (only the unchanged requested slot comes back), and a rule answers it
# (bot/data/rules/intake.yml), then the form asks again.

BEFORE_CITY = {**BEFORE_SERVICE, "service_type": "store"}
# Nothing filled: the requested slot as the form validation returns it (at the city question
# the required slots equal the domain's, and the SDK sends none).
NOTHING = {
    "device_model": [SlotSet("requested_slot", "device_model")],
    "purchase_date": [SlotSet("requested_slot", "purchase_date")],
    "serial_number": [SlotSet("requested_slot", "serial_number")],
    "service_type": [SlotSet("requested_slot", "service_type")],
    "city": [],
    "contact_phone": [SlotSet("requested_slot", "contact_phone")],
}


@pytest.mark.parametrize("intent", ["nlu_fallback", "inform"])
@pytest.mark.parametrize(
    "text", ["保修期一般是多久？", "保修多长时间", "哪些情况不保修", "寄修要钱吗", "为什么要问这个"]
)
def test_question_is_not_read_as_the_purchase_date(make_tracker, validate, intent, text):
    tracker = make_tracker(BEFORE_DATE, text, intent, requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    # Not "抱歉，没看懂购买时间", and no failed answer counted.
    assert events == [SlotSet("requested_slot", "purchase_date")]
    assert dispatcher.messages == []


def test_a_message_that_is_no_question_is_still_read(make_tracker, validate):
    # The counterpart: an unclear answer is read and refused with the date's own message.
    tracker = make_tracker(BEFORE_DATE, "阿巴阿巴", "nlu_fallback", requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("intake_failures", {"purchase_date": 1}),
        SlotSet("requested_slot", "purchase_date"),
    ]
    assert dispatcher.messages == [msg("utter_date_not_understood")]


@pytest.mark.parametrize(
    ("intent", "entities"),
    [
        ("nlu_fallback", []),
        ("inform", []),
        # A question intent: the date extractor's entity fills the slot all the same.
        ("faq", [("purchase_date", "去年三月")]),
    ],
)
@pytest.mark.parametrize("text", ["是去年三月买的吗", "去年三月？"])
def test_a_question_holding_the_date_answers_it(
    make_tracker, validate, today, intent, entities, text
):
    # The owner offers the date they remember, unsure of it; the summary shows it later.
    tracker = make_tracker(
        BEFORE_DATE, text, intent, entities=entities, requested_slot="purchase_date"
    )

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", dt.date(today.year - 1, 3, 1).isoformat()),
        SlotSet("purchase_date_precision", "month"),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == []


QUESTIONS_AT = [
    (BEFORE_DEVICE, "device_model", "保修是两年吗"),
    (BEFORE_DEVICE, "device_model", "型号在哪里看？"),
    (BEFORE_SERIAL, "serial_number", "IMEI在哪里看？"),
    (BEFORE_SERIAL, "serial_number", "序列号是什么"),
    (BEFORE_SERVICE, "service_type", "有哪些维修方式？"),
    (BEFORE_SERVICE, "service_type", "哪种最快"),
    (BEFORE_CITY, "city", "一定要填城市吗？"),
    (BEFORE_PHONE, "contact_phone", "为什么要留电话？"),
    (BEFORE_PHONE, "contact_phone", "可以不填吗"),
]


@pytest.mark.parametrize(
    ("before", "slot", "text", "intent"),
    [
        (before, slot, text, intent)
        for before, slot, text in QUESTIONS_AT
        for intent in ("nlu_fallback", "inform", "deny")
        # deny at an optional question skips it (test_dont_know_with_a_question_...)
        if not (intent == "deny" and slot == "serial_number")
    ],
)
def test_question_is_not_read_as_any_slot(make_tracker, validate, before, slot, text, intent):
    tracker = make_tracker(before, text, intent, requested_slot=slot)

    events, dispatcher = validate(tracker)

    assert events == NOTHING[slot]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("before", "slot", "text", "filled"),
    [
        (
            BEFORE_DEVICE,
            "device_model",
            "一加12保修几年？",
            [SlotSet("device_model", "oneplus-12")],
        ),
        (
            BEFORE_SERIAL,
            "serial_number",
            "是861234567890127吗",
            [
                SlotSet("serial_number", "861234567890127"),
                SlotSet("existing_ticket_no", None),
                SlotSet("duplicate_confirmed", None),
            ],
        ),
        (BEFORE_SERVICE, "service_type", "寄修可以吗？", [SlotSet("service_type", "mail_in")]),
        (
            BEFORE_PHONE,
            "contact_phone",
            "13912345678可以吗",
            [SlotSet("contact_phone", "13912345678")],
        ),
    ],
)
def test_a_question_holding_the_value_answers_it(
    make_tracker, validate, before, slot, text, filled
):
    tracker = make_tracker(before, text, "inform", requested_slot=slot)

    events, dispatcher = validate(tracker)

    assert events[: len(filled)] == filled
    assert dispatcher.messages == []


def test_question_is_not_the_fault_description(make_tracker, validate):
    tracker = make_tracker(
        slots(),
        "保修期一般是多久？",
        "nlu_fallback",
        requested_slot="fault_description",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.2},
            {"name": "faq", "confidence": 0.18},
            {"name": "ask_warranty", "confidence": 0.15},
        ],
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "fault_description")]
    assert dispatcher.messages == []


def test_a_fault_asked_about_is_the_fault_description(make_tracker, validate):
    # "Why does it not charge?" describes the fault: a fault intent is in the ranking.
    tracker = make_tracker(
        slots(),
        "为什么充不进电？",
        "nlu_fallback",
        requested_slot="fault_description",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.2},
            {"name": "faq", "confidence": 0.19},
            {"name": "fault_charging", "confidence": 0.18},
        ],
    )

    events, _ = validate(tracker)

    assert events[0] == SlotSet("fault_description", "为什么充不进电？")


def test_question_after_the_follow_up_is_not_added_to_the_description(make_tracker, validate):
    tracker = make_tracker(
        slots(fault_brief="碎屏", fault_category="screen"),
        "保修期一般是多久？",
        "nlu_fallback",
        requested_slot="fault_description",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.2},
            {"name": "faq", "confidence": 0.18},
        ],
    )

    events, dispatcher = validate(tracker)

    assert events == [SlotSet("requested_slot", "fault_description")]
    assert dispatcher.messages == []


def test_an_unsure_answer_to_the_follow_up_completes_the_description(make_tracker, validate):
    tracker = make_tracker(
        slots(fault_brief="拍照模糊", fault_category="camera"),
        "后置吧？",
        "nlu_fallback",
        requested_slot="fault_description",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.2},
            {"name": "fault_camera", "confidence": 0.12},
            {"name": "faq", "confidence": 0.12},
        ],
    )

    events, _ = validate(tracker)

    assert events[0] == SlotSet("fault_description", "拍照模糊；后置吧？")


def test_dont_know_with_a_question_still_skips_an_optional_slot(make_tracker, validate):
    # "没有发票怎么办？" at the date question: no date to give, so it is skipped, as "不知道" is.
    tracker = make_tracker(BEFORE_DATE, "没有发票怎么办？", "deny", requested_slot="purchase_date")

    events, dispatcher = validate(tracker)

    assert events == [
        SlotSet("purchase_date", None),
        SlotSet("skipped_slots", ["purchase_date"]),
        SlotSet("requested_slot", "serial_number"),
    ]
    assert dispatcher.messages == [msg("utter_skipped")]


@pytest.mark.parametrize(
    ("text", "intent", "active_loop", "refused"),
    [
        ("保修期一般是多久？", "inform", "repair_form", True),
        ("保修期一般是多久？", "deny", "repair_form", True),
        ("保修期一般是多久？", "nlu_fallback", "repair_form", True),
        # another intent (the form does not read it either): the same refusal
        ("啥？", "affirm", "repair_form", True),
        ("可以不填吗", "greet", "repair_form", True),
        # a question intent: its own rule answers it, not this refusal
        ("保修期一般是多久？", "faq", "repair_form", False),
        # not a question, or a question with the value
        ("阿巴阿巴", "inform", "repair_form", False),
        ("是去年三月买的吗", "inform", "repair_form", False),
        # no intake
        ("保修期一般是多久？", "inform", None, False),
    ],
)
def test_refused_question(make_tracker, text, intent, active_loop, refused):
    tracker = make_tracker(
        BEFORE_DATE, text, intent, requested_slot="purchase_date", active_loop=active_loop
    )

    assert refused_question(tracker) is refused


def test_every_intent_the_intake_reads_has_a_rule_for_its_questions():
    # refused_question's intents and the rules of bot/data/rules/intake.yml must not drift
    # apart: without a rule, a refused question would get Rasa's core fallback, which takes
    # the message back and does not ask the form's question again.
    rules = yaml.safe_load((paths.DATA_DIR / "rules" / "intake.yml").read_text(encoding="utf-8"))
    answered = {
        rule["steps"][0]["intent"]
        for rule in rules["rules"]
        if {"active_loop": "repair_form"} in rule.get("condition", [])
        and rule["steps"][0].get("intent")
        and rule["steps"][1] == {"action": "action_fallback"}
        and {"action": "repair_form"} in rule["steps"]
    }
    assert answered >= VALUE_INTENTS

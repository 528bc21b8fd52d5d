"""ActionFindServiceCentre: centres of a city or district, the nearest city, or ask."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.centres import ActionFindServiceCentre
from tests.actions.helpers import cleared, msg
from tests.actions.lookup_helpers import (
    DONGJIEKOU,
    HUAQIANGBEI,
    KEHUABEILU,
    KEJIYUAN,
    LONGGANG,
    ZONGFULU,
    lookup_runner,
)

CHENGDU = [msg("utter_centres_in_city", city="成都", count=2), ZONGFULU, KEHUABEILU]
ASKED = [SlotSet("centre_city_asked", True)]


@pytest.fixture
def find(run, make_tracker):
    return lookup_runner(
        run, make_tracker, ActionFindServiceCentre(), "find_service_center", "service_type"
    )


@pytest.mark.parametrize(
    ("text", "call", "messages", "asked"),
    [
        pytest.param(
            "成都哪里可以修手机",
            {"entities": [("city", "成都")]},
            CHENGDU,
            False,
            id="city_with_centres",
        ),
        pytest.param(
            "我在深圳南山，附近有售后吗",
            {"entities": [("city", "深圳")]},
            [msg("utter_centres_in_district", city="深圳", district="南山区"), KEJIYUAN],
            False,
            id="district_with_a_centre",
        ),
        pytest.param(
            "深圳宝安区有服务网点吗",
            {},
            [
                msg("utter_centres_none_in_district", city="深圳", district="宝安区"),
                KEJIYUAN,
                HUAQIANGBEI,
                LONGGANG,
            ],
            False,
            id="district_without_a_centre_lists_the_city",
        ),
        pytest.param(
            "鼓楼附近有维修点吗",
            {},
            [
                msg(
                    "utter_centre_which_city",
                    district="鼓楼区",
                    buttons=[
                        {"title": "南京", "payload": "南京鼓楼区的服务网点"},
                        {"title": "福州", "payload": "福州鼓楼区的服务网点"},
                    ],
                )
            ],
            False,
            id="district_of_several_cities_asks_which_city",
        ),
        pytest.param(
            "福州鼓楼",
            {"intent": "inform", "entities": [("city", "福州")]},
            [msg("utter_centres_in_district", city="福州", district="鼓楼区"), DONGJIEKOU],
            False,
            id="the_city_entity_picks_the_district",
        ),
        pytest.param(
            "东莞有服务网点吗",
            {},
            [msg("utter_centres_none_in_city", city="东莞", nearest_city="广州", distance=52)],
            False,
            id="city_without_centre_names_the_nearest_city",
        ),
        pytest.param(
            "附近有服务网点吗", {"city": "成都"}, CHENGDU, False, id="city_from_the_intake_slot"
        ),
        pytest.param(
            "附近有服务网点吗",
            {},
            [msg("utter_ask_centre_city")],
            True,
            id="no_city_asks_for_it",
        ),
        pytest.param(
            "成都",
            {"intent": "inform", "entities": [("city", "成都")], "centre_city_asked": True},
            CHENGDU,
            False,
            id="the_city_answering_the_question",
        ),
        pytest.param(
            "火星",
            {"intent": "inform", "centre_city_asked": True},
            [msg("utter_centre_city_unknown", user_text="火星")],
            True,
            id="unknown_city_after_the_question",
        ),
        pytest.param(
            "我在三沙市",
            {"intent": "inform", "entities": [("city", "三沙")], "centre_city_asked": True},
            [msg("utter_centre_city_unknown", user_text="三沙")],
            True,
            id="unknown_city_entity_after_the_question",
        ),
        pytest.param(
            "附近有服务网点吗",
            {"active_loop": "repair_form"},
            [msg("utter_ask_centre_city")],
            False,
            id="inside_the_form_the_question_is_not_left_pending",
        ),
        pytest.param(
            "拉萨有维修点吗",
            {"entities": [("city", "拉萨")]},
            [msg("utter_centres_none_in_city", city="拉萨", nearest_city="成都", distance=1247)],
            False,
            id="the_search_in_a_city_without_centre_entity",
        ),
    ],
)
def test_find_service_centre(
    find, text: str, call: dict[str, Any], messages: list[dict[str, Any]], asked: bool
):
    events, dispatcher = find(text, **call)

    assert dispatcher.messages == messages
    assert events == [*cleared(), *(ASKED if asked else [])]


def test_button_payload_with_the_city_entity(find):
    events, dispatcher = find('/find_service_center{"city":"广州"}', entities=[("city", "广州")])

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_centres_in_city",
        "utter_centre",
        "utter_centre",
    ]
    assert dispatcher.messages[0] == msg("utter_centres_in_city", city="广州", count=2)
    assert events == cleared()

"""ActionFindServiceCentre: centres of a city or district, the nearest city, or ask."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.centres import ActionFindServiceCentre
from tests.actions.helpers import cleared, msg

ZONGFULU = msg(
    "utter_centre",
    name="一加授权服务中心（总府路店）",
    city="成都",
    district="锦江区",
    address="成都市锦江区总府路29号3层305室",
    phone="028-86651234",
    hours="周一至周日 10:00-20:00",
    services="到店维修、上门维修",
)
KEHUABEILU = msg(
    "utter_centre",
    name="一加授权服务中心（科华北路店）",
    city="成都",
    district="武侯区",
    address="成都市武侯区科华北路62号1层106室",
    phone="028-85232345",
    hours="周一至周日 9:30-19:00",
    services="到店维修",
)
KEJIYUAN = msg(
    "utter_centre",
    name="一加授权服务中心（科技园店）",
    city="深圳",
    district="南山区",
    address="深圳市南山区科苑路15号科兴商务楼1层108室",
    phone="0755-86521234",
    hours="周一至周日 9:00-19:00",
    services="到店维修、上门维修",
)
HUAQIANGBEI = msg(
    "utter_centre",
    name="一加授权服务中心（华强北店）",
    city="深圳",
    district="福田区",
    address="深圳市福田区华强北路1019号电子大厦4层416室",
    phone="0755-83262345",
    hours="周一至周日 9:30-19:30",
    services="到店维修",
)
LONGGANG = msg(
    "utter_centre",
    name="一加授权服务中心（龙岗中心城店）",
    city="深圳",
    district="龙岗区",
    address="深圳市龙岗区龙岗大道5008号2层203室",
    phone="0755-28953456",
    hours="周一至周日 10:00-19:00",
    services="到店维修、上门维修",
)
DONGJIEKOU = msg(
    "utter_centre",
    name="一加授权服务中心（东街口店）",
    city="福州",
    district="鼓楼区",
    address="福州市鼓楼区八一七北路88号2层",
    phone="0591-87551234",
    hours="周一至周日 9:30-19:00",
    services="到店维修、上门维修",
)


@pytest.fixture
def find(run, make_tracker):
    def _find(
        text: str,
        intent: str = "find_service_center",
        entities: tuple[Any, ...] = (),
        active_loop: str | None = None,
        **slots: Any,
    ):
        tracker = make_tracker(
            slots,
            text,
            intent,
            entities=entities,
            active_loop=active_loop,
            requested_slot="service_type" if active_loop else None,
        )
        return run(ActionFindServiceCentre(), tracker)

    return _find


def test_city_with_centres(find):
    events, dispatcher = find("成都哪里可以修手机", entities=[("city", "成都")])

    assert dispatcher.messages == [
        msg("utter_centres_in_city", city="成都", count=2),
        ZONGFULU,
        KEHUABEILU,
    ]
    assert events == cleared()


def test_district_with_a_centre(find):
    events, dispatcher = find("我在深圳南山，附近有售后吗", entities=[("city", "深圳")])

    assert dispatcher.messages == [
        msg("utter_centres_in_district", city="深圳", district="南山区"),
        KEJIYUAN,
    ]
    assert events == cleared()


def test_district_without_a_centre_lists_the_city(find):
    events, dispatcher = find("深圳宝安区有服务网点吗")

    assert dispatcher.messages == [
        msg("utter_centres_none_in_district", city="深圳", district="宝安区"),
        KEJIYUAN,
        HUAQIANGBEI,
        LONGGANG,
    ]
    assert events == cleared()


def test_district_of_several_cities_asks_which_city(find):
    events, dispatcher = find("鼓楼附近有维修点吗")

    assert dispatcher.messages == [
        msg(
            "utter_centre_which_city",
            district="鼓楼区",
            buttons=[
                {"title": "南京", "payload": "南京鼓楼区的服务网点"},
                {"title": "福州", "payload": "福州鼓楼区的服务网点"},
            ],
        )
    ]
    assert events == cleared()


def test_the_city_entity_picks_the_district(find):
    events, dispatcher = find("福州鼓楼", "inform", entities=[("city", "福州")])

    assert dispatcher.messages == [
        msg("utter_centres_in_district", city="福州", district="鼓楼区"),
        DONGJIEKOU,
    ]
    assert events == cleared()


def test_city_without_centre_names_the_nearest_city(find):
    events, dispatcher = find("东莞有服务网点吗")

    assert dispatcher.messages == [
        msg("utter_centres_none_in_city", city="东莞", nearest_city="广州", distance=52)
    ]
    assert events == cleared()


def test_button_payload_with_the_city_entity(find):
    events, dispatcher = find('/find_service_center{"city":"广州"}', entities=[("city", "广州")])

    assert [m["response"] for m in dispatcher.messages] == [
        "utter_centres_in_city",
        "utter_centre",
        "utter_centre",
    ]
    assert dispatcher.messages[0] == msg("utter_centres_in_city", city="广州", count=2)
    assert events == cleared()


def test_city_from_the_intake_slot(find):
    events, dispatcher = find("附近有服务网点吗", city="成都")

    assert dispatcher.messages == [
        msg("utter_centres_in_city", city="成都", count=2),
        ZONGFULU,
        KEHUABEILU,
    ]
    assert events == cleared()


def test_no_city_asks_for_it(find):
    events, dispatcher = find("附近有服务网点吗")

    assert dispatcher.messages == [msg("utter_ask_centre_city")]
    assert events == [*cleared(), SlotSet("centre_city_asked", True)]


def test_the_city_answering_the_question(find):
    events, dispatcher = find("成都", "inform", entities=[("city", "成都")], centre_city_asked=True)

    assert dispatcher.messages == [
        msg("utter_centres_in_city", city="成都", count=2),
        ZONGFULU,
        KEHUABEILU,
    ]
    assert events == cleared()


def test_unknown_city_after_the_question(find):
    events, dispatcher = find("火星", "inform", centre_city_asked=True)

    assert dispatcher.messages == [msg("utter_centre_city_unknown", user_text="火星")]
    assert events == [*cleared(), SlotSet("centre_city_asked", True)]


def test_unknown_city_entity_after_the_question(find):
    events, dispatcher = find(
        "我在三沙市", "inform", entities=[("city", "三沙")], centre_city_asked=True
    )

    assert dispatcher.messages == [msg("utter_centre_city_unknown", user_text="三沙")]
    assert events == [*cleared(), SlotSet("centre_city_asked", True)]


def test_inside_the_form_the_question_is_not_left_pending(find):
    events, dispatcher = find("附近有服务网点吗", active_loop="repair_form")

    assert dispatcher.messages == [msg("utter_ask_centre_city")]
    assert events == cleared()


def test_the_search_in_a_city_without_centre_entity(find):
    events, dispatcher = find("拉萨有维修点吗", entities=[("city", "拉萨")])

    assert dispatcher.messages == [
        msg("utter_centres_none_in_city", city="拉萨", nearest_city="成都", distance=1247)
    ]
    assert events == cleared()

import datetime as dt

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.date_extractor import ChineseDateExtractor, purchase_date_span

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("今年3月", "今年3月"),
        ("大概去年三月吧", "去年三月"),
        ("去年双十一买的", "去年双十一"),
        ("我的一加12去年三月买的，屏幕碎了", "去年三月"),
        ("2025年3月15日在京东下单的", "2025年3月15日"),
        ("三天前开始充不进电", None),  # a date, but not a purchase
        ("屏幕碎了", None),
        ("13912345678", None),
    ],
)
def test_purchase_dates_only(text, span):
    found = purchase_date_span(text, TODAY)
    assert (text[found[0] : found[1]] if found else None) == span


def test_component_adds_one_entity_with_its_name(model_storage, resource, execution_context):
    extractor = ChineseDateExtractor.create({}, model_storage, resource, execution_context)
    message = Message(data={TEXT: "手机是去年三月买的"})
    extractor.process([message])
    [entity] = message.get(ENTITIES)
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == (
        "purchase_date",
        "去年三月",
        3,
        7,
    )
    assert entity["extractor"] == "ChineseDateExtractor"

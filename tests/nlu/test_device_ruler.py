"""The spaCy entity ruler recognises every catalogue alias exactly, whatever jieba does."""

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.catalog import load_catalogue
from bot.nlu.device_ruler import DeviceEntityRuler

CATALOGUE = load_catalogue()
ALIASES = [(device.id, name) for device in CATALOGUE.devices for name in device.names]


@pytest.fixture(scope="module")
def ruler(tmp_path_factory):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    component = DeviceEntityRuler.create({}, storage, Resource("ruler"), context)
    component.train(TrainingData())
    return DeviceEntityRuler.load({}, storage, Resource("ruler"), context)


def _entities(ruler, text):
    message = Message(data={TEXT: text})
    ruler.process([message])
    return [
        (e["entity"], e["value"], text[e["start"] : e["end"]]) for e in message.get(ENTITIES, [])
    ]


@pytest.mark.parametrize(("device_id", "alias"), ALIASES)
def test_every_alias_in_a_sentence_is_recognised_as_its_device(ruler, device_id, alias):
    text = f"我的{alias}屏幕坏了"
    assert _entities(ruler, text) == [("device_model", device_id, alias)]


@pytest.mark.parametrize(
    ("text", "device_id", "span"),
    [
        ("ONEPLUS 13T 进水了", "oneplus-13t", "ONEPLUS 13T"),
        ("一加ace3pro充不进电", "oneplus-ace-3-pro", "一加ace3pro"),
        ("ＯｎｅＰｌｕｓ　１２没信号", "oneplus-12", "ＯｎｅＰｌｕｓ　１２"),
        ("用的1+12，拍照糊", "oneplus-12", "1+12"),
    ],
)
def test_case_width_and_spacing_variants(ruler, text, device_id, span):
    assert _entities(ruler, text) == [("device_model", device_id, span)]


@pytest.mark.parametrize(
    ("text", "device_id", "span"),
    [
        ("我的一佳13屏幕碎了", "oneplus-13", "一佳13"),
        ("一家12充不进电", "oneplus-12", "一家12"),
        ("用的是壹加Ace 3 Pro", "oneplus-ace-3-pro", "壹加Ace 3 Pro"),
    ],
)
def test_brand_typos_the_matcher_corrects_are_recognised(ruler, text, device_id, span):
    assert _entities(ruler, text) == [("device_model", device_id, span)]


def test_a_typo_never_makes_a_device_of_other_words(ruler):
    assert _entities(ruler, "一家人都用你们的手机") == []


def test_the_longest_name_wins(ruler):
    assert _entities(ruler, "一加13T坏了") == [("device_model", "oneplus-13t", "一加13T")]
    assert _entities(ruler, "一加Ace 3 Pro坏了")[0][1] == "oneplus-ace-3-pro"


def test_what_it_adds_over_stock_jieba_token_spans(ruler):
    """Stock jieba splits "一加12" into 一加 / 12, so a token-level entity cannot be aligned to
    it without a dictionary; the ruler returns the whole span and the catalogue id."""
    import jieba

    assert jieba.lcut("我的一加12坏了")[2:4] == ["一加", "12"]
    assert _entities(ruler, "我的一加12坏了") == [("device_model", "oneplus-12", "一加12")]


def test_no_device_no_entity(ruler):
    assert _entities(ruler, "屏幕碎了，想寄修") == []
    assert _entities(ruler, "iPhone 15 坏了") == []

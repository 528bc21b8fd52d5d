import pytest
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_ensemble import (
    DIET_RANKING_KEY,
    MASKS,
    SELECTOR_RANKING_KEY,
    IntentEnsemble,
    by_intent,
    combine,
    mask,
    prepare,
    retrieval_intents,
    within,
)
from bot.nlu.sentence_encoder import SentenceEncoderFeaturizer

EXAMPLES = {
    "greet": ["你好", "您好", "哈喽", "在吗", "你好呀"],
    "goodbye": ["再见", "拜拜", "拜拜啦", "再会", "回头见"],
    "fault_charging": ["充不进电", "充电很慢", "充电口坏了", "插上充电器没反应", "快充没用"],
}


def _training_data():
    messages = [
        Message(data={TEXT: text, INTENT: intent})
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    return TrainingData(training_examples=messages)


def test_combine_weights_both_distributions():
    mixed = combine({"a": 0.8, "b": 0.2}, {"a": 0.2, "b": 0.6, "c": 0.2}, weight=0.25)
    assert [n for n, _ in mixed] == ["b", "a", "c"]
    assert {n: round(c, 9) for n, c in mixed} == {"a": 0.35, "b": 0.5, "c": 0.15}


def test_trained_model_round_trips_and_overrides_a_wrong_diet_guess(
    model_storage, resource, execution_context
):
    component = IntentEnsemble.create(
        {"diet_weight": 0.3}, model_storage, resource, execution_context
    )
    component.train(_training_data())
    loaded = IntentEnsemble.load({"diet_weight": 0.3}, model_storage, resource, execution_context)
    assert loaded.label_probabilities("拜拜") == component.label_probabilities("拜拜")

    diet_ranking = [
        {"name": "greet", "confidence": 0.55},
        {"name": "goodbye", "confidence": 0.45},
    ]
    message = Message(data={TEXT: "拜拜啦", INTENT: diet_ranking[0]})
    message.set(INTENT_RANKING_KEY, diet_ranking)
    loaded.process([message])

    assert message.get(INTENT)["name"] == "goodbye"
    assert message.get(DIET_RANKING_KEY) == diet_ranking
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "goodbye"
    assert abs(sum(r["confidence"] for r in message.get(INTENT_RANKING_KEY)) - 1.0) < 1e-6


def test_without_diet_the_ngram_model_decides_alone(model_storage, resource, execution_context):
    # A pipeline without DIET (no intent ranking) still gets intents, whatever diet_weight says.
    component = IntentEnsemble.create(
        {"diet_weight": 0.5}, model_storage, resource, execution_context
    )
    component.train(_training_data())
    message = Message(data={TEXT: "拜拜啦"})
    component.process([message])
    ngram = by_intent(component.label_probabilities("拜拜啦"))
    assert message.get(INTENT)["name"] == "goodbye"
    assert message.get(INTENT)["confidence"] == pytest.approx(max(ngram.values()))
    assert message.get(DIET_RANKING_KEY) == []
    assert abs(sum(r["confidence"] for r in message.get(INTENT_RANKING_KEY)) - 1.0) < 1e-6


def test_untrained_component_leaves_messages_alone(model_storage, resource, execution_context):
    component = IntentEnsemble.create({}, model_storage, resource, execution_context)
    message = Message(data={TEXT: "你好", INTENT: {"name": "greet", "confidence": 0.9}})
    message.set(INTENT_RANKING_KEY, [{"name": "greet", "confidence": 0.9}])
    component.process([message])
    assert message.get(INTENT) == {"name": "greet", "confidence": 0.9}


FAQ = {
    "faq/hotline": ["客服电话多少", "热线号码是多少", "人工客服几点上班", "客服热线几点"],
    "faq/accessories": ["原装充电器哪里买", "数据线多少钱", "保护壳在哪买", "官方耳机有卖吗"],
}


def _faq_training_data():
    messages = [
        Message(data={TEXT: text, INTENT: "faq", INTENT_RESPONSE_KEY: key})
        for key, texts in FAQ.items()
        for text in texts
    ] + _training_data().training_examples
    return TrainingData(training_examples=messages)


def test_retrieval_keys_are_summed_into_their_intent():
    assert by_intent({"faq/a": 0.25, "faq/b": 0.25, "greet": 0.5}) == {"faq": 0.5, "greet": 0.5}
    assert within({"faq/a": 0.25, "faq/b": 0.5, "greet": 0.25}, "faq") == pytest.approx(
        {"faq/a": 1 / 3, "faq/b": 2 / 3}
    )
    assert within({"greet": 1.0}, "faq") == {}


def test_the_faq_key_is_averaged_with_the_response_selector(
    model_storage, resource, execution_context
):
    config = {"diet_weight": 0.0, "selector_weight": 0.3}
    component = IntentEnsemble.create(config, model_storage, resource, execution_context)
    component.train(_faq_training_data())
    assert "faq/hotline" in component.label_probabilities("客服电话")

    message = Message(data={TEXT: "客服热线号码多少", INTENT: {"name": "greet", "confidence": 0.6}})
    message.set(INTENT_RANKING_KEY, [{"name": "greet", "confidence": 0.6}])
    wrong = {"id": 1, "confidence": 0.6, "intent_response_key": "faq/accessories"}
    right = {"id": 2, "confidence": 0.4, "intent_response_key": "faq/hotline"}
    message.set(
        "response_selector",
        {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "responses": [{"text": "配件"}],
                    "confidence": 0.6,
                    "intent_response_key": "faq/accessories",
                    "utter_action": "utter_faq/accessories",
                },
                "ranking": [wrong, right],
            },
        },
    )
    component.process([message])

    assert message.get(INTENT)["name"] == "faq"
    selected = message.get("response_selector")["faq"]
    assert selected["response"]["intent_response_key"] == "faq/hotline"
    assert selected["response"]["utter_action"] == "utter_faq/hotline"
    assert selected["response"]["responses"] == []
    assert [r["intent_response_key"] for r in selected["ranking"]] == [
        "faq/hotline",
        "faq/accessories",
    ]
    assert selected["ranking"][0]["id"] == 2
    assert selected[SELECTOR_RANKING_KEY] == [wrong, right]


def test_retrieval_intents_are_the_prefixes_of_keys():
    assert retrieval_intents(["greet", "faq/a", "faq/b", "chitchat/joke"]) == ["chitchat", "faq"]
    assert retrieval_intents(["greet"]) == []


def test_without_a_response_selector_the_ensemble_chooses_the_faq_answer(
    model_storage, resource, execution_context
):
    component = IntentEnsemble.create(
        {"diet_weight": 0.0}, model_storage, resource, execution_context
    )
    component.train(_faq_training_data())

    message = Message(data={TEXT: "客服热线号码多少"})
    component.process([message])

    assert message.get(INTENT)["name"] == "faq"
    selectors = message.get("response_selector")
    assert selectors["all_retrieval_intents"] == ["faq"]
    response = selectors["faq"]["response"]
    assert response["intent_response_key"] == "faq/hotline"
    assert response["utter_action"] == "utter_faq/hotline"
    ranking = selectors["faq"]["ranking"]
    assert ranking[0]["intent_response_key"] == "faq/hotline"
    assert response["confidence"] == pytest.approx(ranking[0]["confidence"])
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    # What Rasa's utter_faq action reads to choose the response.
    assert message.as_dict_nlu()["response_selector"]["faq"]["response"]["utter_action"] == (
        "utter_faq/hotline"
    )


def test_without_retrieval_keys_no_selector_output_is_written(
    model_storage, resource, execution_context
):
    component = IntentEnsemble.create(
        {"diet_weight": 0.0}, model_storage, resource, execution_context
    )
    component.train(_training_data())
    message = Message(data={TEXT: "你好"})
    component.process([message])
    assert message.get("response_selector") is None


def test_entities_are_masked_before_the_ngrams():
    entities = [
        {"entity": "device_model", "start": 0, "end": 4, "value": "oneplus-12"},
        {"entity": "city", "start": 11, "end": 13, "value": "成都"},
        {"entity": "phone_number", "start": 3, "end": 6, "value": "overlap"},
    ]
    text = "一加12充不进电，我在成都"
    assert mask(text, entities, ["device_model", "city", "phone_number"]) == (
        f"{MASKS['device_model']}充不进电，我在{MASKS['city']}"
    )
    assert mask(text, entities, ["city"]) == f"一加12充不进电，我在{MASKS['city']}"
    assert mask(text, None, ["city"]) == text
    assert prepare("ＯＰ12", [], []) == "op12"


def test_masking_makes_an_unseen_model_name_irrelevant(model_storage, resource, execution_context):
    examples = [
        ("一加12充不进电", "fault_charging", "一加12"),
        ("一加13充电很慢", "fault_charging", "一加13"),
        ("一加11", "inform", "一加11"),
        ("是一加12", "inform", "一加12"),
        ("一加Ace 3", "inform", "一加Ace 3"),
    ]
    messages = [
        Message(
            data={
                TEXT: text,
                INTENT: intent,
                "entities": [
                    {
                        "entity": "device_model",
                        "start": text.index(m),
                        "end": text.index(m) + len(m),
                    }
                ],
            }
        )
        for text, intent, m in examples
    ]
    config = {"diet_weight": 0.0, "mask_entities": ["device_model"]}
    component = IntentEnsemble.create(config, model_storage, resource, execution_context)
    component.train(TrainingData(training_examples=messages))
    unseen = [{"entity": "device_model", "start": 0, "end": 8}]
    masked = component.label_probabilities("一加Ace 2V充电很慢", unseen)
    assert max(masked, key=lambda k: masked[k]) == "fault_charging"


ENCODER_CONFIG = {
    "diet_weight": 0.0,
    "encoder_weight": 1.0,
    "encoder_classifier_weight": 0.3,
    "neighbour_weight": 0.3,
}


def test_with_the_encoder_a_paraphrase_finds_its_faq_answer(
    model_storage, resource, execution_context
):
    """No hotline example shares a word with the question: its meaning finds the answer."""
    featurizer = SentenceEncoderFeaturizer.create({}, model_storage, resource, execution_context)
    data = featurizer.process_training_data(_faq_training_data())
    component = IntentEnsemble.create(ENCODER_CONFIG, model_storage, resource, execution_context)
    component.train(data)
    loaded = IntentEnsemble.load(ENCODER_CONFIG, model_storage, resource, execution_context)

    message = Message(data={TEXT: "有没有能直接通话咨询的方式"})
    featurizer.process([message])
    loaded.process([message])
    assert message.get(INTENT)["name"] == "faq"
    answer = message.get("response_selector")["faq"]["response"]
    assert answer["intent_response_key"] == "faq/hotline"
    # Without the encoder, the n-grams pick another answer.
    plain = IntentEnsemble.create(
        {"diet_weight": 0.0}, model_storage, Resource("plain"), execution_context
    )
    plain.train(_faq_training_data())
    words_only = plain.label_probabilities("有没有能直接通话咨询的方式")
    assert max(words_only, key=words_only.__getitem__) != "faq/hotline"
    # The same probabilities without a featurized message (the encoder embeds the text).
    assert loaded.label_probabilities("有没有能直接通话咨询的方式") == pytest.approx(
        loaded.label_probabilities("有没有能直接通话咨询的方式", None, message)
    )


def test_encoder_settings_without_the_featurizer_are_refused(
    model_storage, resource, execution_context
):
    component = IntentEnsemble.create(ENCODER_CONFIG, model_storage, resource, execution_context)
    with pytest.raises(ValueError, match="SentenceEncoderFeaturizer"):
        component.train(_faq_training_data())

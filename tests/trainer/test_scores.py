"""Scores of predictions against gold examples: intents, FAQ keys, entity spans."""

import pytest

from bot.trainer.scores import (
    entity_f1,
    entity_spans,
    full_intent,
    gold_label,
    in_suggestions,
    label_scores,
    split_scores,
)


def test_entity_f1_counts_exact_spans_per_type():
    gold = [entity_spans([{"start": 0, "end": 4, "entity": "device_model", "value": "一加12"}])]
    predicted = [
        entity_spans(
            [
                {"start": 0, "end": 4, "entity": "device_model", "value": "oneplus-12"},
                {"start": 5, "end": 7, "entity": "city", "value": "成都"},
            ]
        )
    ]
    scores = entity_f1(gold, predicted)
    assert scores["device_model"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert scores["city"]["precision"] == 0.0
    assert scores["overall"]["precision"] == 0.5
    assert round(scores["overall"]["f1"], 3) == 0.667


def test_full_intent_names_the_faq_key():
    faq = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/hotline"}}},
    }
    assert full_intent(faq) == "faq/hotline"
    assert full_intent({"intent": {"name": "greet"}, "response_selector": {}}) == "greet"
    assert full_intent({"intent": {"name": "faq"}}) == "faq"


def test_label_scores_macro_f1_over_gold_labels():
    scores = label_scores(["a", "a", "b", "faq/x"], ["a", "b", "b", "faq/y"])
    assert scores["labels"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1-score": 2 / 3,
        "support": 2,
    }
    assert scores["labels"]["faq/x"]["f1-score"] == 0.0
    assert "faq/y" not in scores["labels"]
    assert round(scores["macro_f1"], 4) == round((2 / 3 + 2 / 3 + 0.0) / 3, 4)


def gold(text: str, intent: str, key: str | None = None) -> dict:
    """A gold example as Rasa loads it: a retrieval intent keeps its key apart."""
    return {"text": text, "intent": intent, "intent_response_key": key}


def parse(intent: str, confidence: float = 0.9, key: str | None = None) -> dict:
    selector = {intent: {"response": {"intent_response_key": key}}} if key else {}
    return {"intent": {"name": intent, "confidence": confidence}, "response_selector": selector}


def test_gold_label_names_the_faq_key():
    assert gold_label(gold("热线多少", "faq", "faq/hotline")) == "faq/hotline"
    assert gold_label(gold("你好", "greet")) == "greet"


def test_split_scores_counts_a_wrong_faq_key_as_an_error_of_the_full_label():
    examples = [
        gold("午安", "greet"),
        gold("各位早安", "greet"),
        gold("拨哪个号能找到你们", "faq", "faq/hotline"),
        gold("厂家出的皮套从哪儿弄", "faq", "faq/accessories"),
    ]
    parsed = [
        parse("greet"),
        parse("goodbye", 0.55),
        parse("faq", key="faq/hotline"),
        parse("faq", 0.7, key="faq/hotline"),  # right intent, wrong answer
    ]
    scores = split_scores(examples, parsed)
    assert scores["examples"] == 4
    assert set(scores["intents"]) == {"greet", "faq"}
    assert scores["intents"]["greet"]["recall"] == 0.5
    assert scores["intents"]["faq"]["f1-score"] == 1.0
    assert scores["intent_accuracy"] == 0.75
    assert scores["intent_macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)  # gold labels only
    assert set(scores["intents_and_faq_keys"]) == {"greet", "faq/hotline", "faq/accessories"}
    assert scores["faq_key_macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)
    assert scores["intent_and_faq_macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0.0) / 3)
    assert scores["intent_and_faq_accuracy"] == 0.5
    assert scores["errors"] == [
        {
            "text": "厂家出的皮套从哪儿弄",
            "intent": "faq/accessories",
            "predicted": "faq/hotline",
            "confidence": 0.7,
        },
        {"text": "各位早安", "intent": "greet", "predicted": "goodbye", "confidence": 0.55},
    ]


def test_split_scores_count_the_errors_whose_answer_the_fallback_suggests():
    examples = [gold("机器罢工了", "request_repair"), gold("拨哪个号", "faq", "faq/hotline")]
    ranking = [{"name": "nlu_fallback"}, {"name": "cancel"}, {"name": "request_repair"}]
    suggested = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "intent_ranking": ranking}
    not_suggested = {
        "intent": {"name": "faq", "confidence": 0.6},
        "intent_ranking": [{"name": "faq"}],
        "response_selector": {
            "faq": {
                "response": {"intent_response_key": "faq/accessories"},
                "ranking": [{"intent_response_key": "faq/accessories"}],
            }
        },
    }
    scores = split_scores(examples, [suggested, not_suggested])
    assert len(scores["errors"]) == 2
    assert scores["errors_with_answer_suggested"] == 1
    assert in_suggestions("faq/accessories", not_suggested)
    assert not in_suggestions("faq/hotline", not_suggested)


def test_split_scores_without_faq_examples_or_examples():
    scores = split_scores([gold("午安", "greet")], [parse("greet")])
    assert scores["faq_key_macro_f1"] == 0.0 and scores["errors"] == []
    assert scores["intent_accuracy"] == scores["intent_and_faq_accuracy"] == 1.0
    empty = split_scores([], [])
    assert empty["examples"] == 0 and empty["intent_accuracy"] == 0.0

"""The held-out evaluation runs on the trained model and writes its reports."""

import json

import pytest

from bot.trainer.evaluate import entity_f1, entity_spans, full_intent, label_scores, main


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


@pytest.mark.model
@pytest.mark.slow
def test_make_eval_writes_reports_and_meets_the_f1_targets(trained_model, tmp_path, capsys):
    assert main(["--model", str(trained_model), "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "heldout_summary.json").read_text())
    assert (tmp_path / "intent_confusion_matrix.png").stat().st_size > 10_000
    assert summary["examples"] >= 240
    assert summary["entity_f1"] >= 0.95
    assert summary["intent_macro_f1"] >= 0.95
    # FAQ keys are a response selection on top of the intent: a looser regression guard.
    assert summary["intent_and_faq_macro_f1"] >= 0.92
    assert {"faq/hotline", "ask_price", "rate", "start_over"} <= set(
        summary["intents_and_faq_keys"]
    )
    assert "intent macro-F1" in capsys.readouterr().out

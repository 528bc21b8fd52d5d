"""The held-out evaluation runs on the trained model and writes its reports."""

import json

import pytest

from bot.trainer.evaluate import entity_f1, entity_spans, main


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


@pytest.mark.model
@pytest.mark.slow
def test_make_eval_writes_reports_and_meets_the_f1_targets(trained_model, tmp_path, capsys):
    assert main(["--model", str(trained_model), "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "heldout_summary.json").read_text())
    assert (tmp_path / "intent_confusion_matrix.png").stat().st_size > 10_000
    assert summary["examples"] >= 240
    assert summary["entity_f1"] >= 0.95
    assert summary["intent_macro_f1"] >= 0.95
    assert "intent macro-F1" in capsys.readouterr().out

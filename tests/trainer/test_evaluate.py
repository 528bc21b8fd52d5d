"""The held-out evaluation runs on the trained model and writes its reports."""

import datetime as dt
import json

import pytest

from bot.trainer.evaluate import (
    intent_errors,
    load_summary,
    main,
    print_summary,
    write_reports,
)
from bot.trainer.nlu_files import read_examples
from bot.trainer.paraphrases import PARAPHRASES
from bot.trainer.scores import split_scores
from tests.trainer.test_scores import gold, parse


def test_print_summary_shows_the_paraphrases_apart(capsys):
    summary = small_summary("2024-06-02T10:00:00+08:00", 0.9)
    summary.update(
        examples=10,
        intent_accuracy=0.9,
        faq_key_macro_f1=0.8,
        intent_and_faq_macro_f1=0.85,
        intents_and_faq_keys=summary["intents"],
        entity_f1=1.0,
        entities={"overall": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}},
        confusion_matrix="cm.png",
        paraphrases={
            "file": "bot/data/heldout/paraphrases.yml",
            **split_scores(
                [gold("午安", "greet"), gold("后会有期", "goodbye")],
                [parse("greet"), parse("thank", 0.4)],
            ),
        },
    )
    print_summary(summary)
    out = capsys.readouterr().out
    main_part, paraphrase_part = out.split("paraphrases (bot/data/heldout/paraphrases.yml)")
    assert "FAQ key macro-F1: 0.800" in main_part
    assert ": 2 examples" in paraphrase_part
    assert "  后会有期: goodbye → thank (0.40)" in paraphrase_part
    assert "paraphrase intent macro-F1:           0.500" in paraphrase_part
    assert "paraphrase intent + FAQ key accuracy: 0.500" in paraphrase_part
    assert paraphrase_part.rstrip().endswith(
        'paraphrases misclassified: 1, of which the "您是想问…" buttons offer the right answer: 0'
    )
    summary["paraphrases"] = None
    print_summary(summary)
    assert "paraphrase" not in capsys.readouterr().out


def small_summary(generated_at: str, greet_f1: float) -> dict:
    row = {"precision": greet_f1, "recall": greet_f1, "f1-score": greet_f1, "support": 10}
    return {
        "generated_at": generated_at,
        "model": "bot/models/shouhou.tar.gz",
        "intent_macro_f1": greet_f1,
        "intents": {"greet": row},
        "errors": [],
    }


def test_intent_errors_reads_rasas_file_sorted_by_expected_intent(tmp_path):
    path = tmp_path / "intent_errors.json"
    assert intent_errors(path) == []  # rasa writes no file when every prediction is right
    rasa_errors = [
        {
            "text": "你好",
            "intent": "greet",
            "intent_prediction": {"name": "thank", "confidence": 0.6},
        },
        {"text": "多少钱", "intent": "ask_price", "intent_prediction": {"name": None}},
    ]
    path.write_text(json.dumps(rasa_errors, ensure_ascii=False), encoding="utf-8")
    assert intent_errors(path) == [
        {"text": "多少钱", "intent": "ask_price", "predicted": "", "confidence": 0.0},
        {"text": "你好", "intent": "greet", "predicted": "thank", "confidence": 0.6},
    ]


def test_each_run_compares_with_the_summary_it_replaces_and_is_kept_in_history(tmp_path):
    first = write_reports(small_summary("2024-06-01T09:00:00+08:00", 0.8), tmp_path)
    assert first == tmp_path / "report.html"
    assert "没有上次的评估报告" in first.read_text(encoding="utf-8")
    write_reports(small_summary("2024-06-02T10:00:00+08:00", 0.9), tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "2024-06-01T09:00:00+08:00" in report.split('<section id="comparison">')[1]
    assert "greet：0.800 → 0.900" in report
    assert sorted(p.name for p in (tmp_path / "history").iterdir()) == [
        "20240601T090000.json",
        "20240602T100000.json",
    ]
    latest = json.loads((tmp_path / "heldout_summary.json").read_text(encoding="utf-8"))
    assert latest["generated_at"] == "2024-06-02T10:00:00+08:00"
    # Two runs within one second keep both copies.
    write_reports(small_summary("2024-06-02T10:00:00+08:00", 0.9), tmp_path)
    assert (tmp_path / "history" / "20240602T100000-2.json").exists()


def test_previous_option_overrides_the_summary_compared_with(tmp_path, capsys):
    write_reports(small_summary("2024-06-01T09:00:00+08:00", 0.8), tmp_path)
    chosen = tmp_path / "chosen.json"
    chosen.write_text(json.dumps(small_summary("2024-05-01T08:00:00+08:00", 0.5)))
    write_reports(small_summary("2024-06-02T10:00:00+08:00", 0.9), tmp_path, previous=chosen)
    comparison = (tmp_path / "report.html").read_text(encoding="utf-8").split("comparison")[1]
    assert "2024-05-01T08:00:00+08:00" in comparison
    assert "greet：0.500 → 0.900" in comparison
    write_reports(
        small_summary("2024-06-03T10:00:00+08:00", 0.9), tmp_path, previous=tmp_path / "nope.json"
    )
    assert "没有上次的评估报告" in (tmp_path / "report.html").read_text(encoding="utf-8")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: no previous summary at")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_a_corrupt_previous_summary_is_a_one_line_warning_and_no_comparison(
    tmp_path, capsys, content
):
    (tmp_path / "heldout_summary.json").write_bytes(content.encode("latin-1"))
    assert load_summary(tmp_path / "missing.json") is None
    assert capsys.readouterr().err == ""
    write_reports(small_summary("2024-06-02T10:00:00+08:00", 0.9), tmp_path)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: ignoring the previous summary")
    assert "没有上次的评估报告" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert load_summary(tmp_path / "heldout_summary.json") is not None  # replaced by this run


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
    out = capsys.readouterr().out
    assert "intent macro-F1" in out
    assert out.rstrip().endswith("report.html")
    assert summary["model"] == str(trained_model)
    generated = dt.datetime.fromisoformat(summary["generated_at"])
    assert abs(dt.datetime.now(dt.timezone.utc) - generated) < dt.timedelta(hours=1)
    # The errors are the predictions behind the intents table: as many as its recalls miss.
    missed = sum(row["support"] * (1 - row["recall"]) for row in summary["intents"].values())
    assert len(summary["errors"]) == round(missed)
    assert all(e["intent"] != e["predicted"] for e in summary["errors"])
    assert 0.0 <= summary["faq_key_macro_f1"] <= 1.0

    # The paraphrases are scored apart, every one of them, by the same definitions.
    reworded = summary["paraphrases"]
    assert reworded["file"] == str(PARAPHRASES)
    assert reworded["examples"] == len(read_examples(PARAPHRASES))
    assert reworded["examples"] == sum(
        r["support"] for r in reworded["intents_and_faq_keys"].values()
    )
    assert set(reworded["intents_and_faq_keys"]) == {e.intent for e in read_examples(PARAPHRASES)}
    for key in ("intent_macro_f1", "faq_key_macro_f1", "intent_and_faq_macro_f1"):
        assert 0.0 <= reworded[key] <= 1.0
    assert len(reworded["errors"]) == round(
        reworded["examples"] * (1 - reworded["intent_and_faq_accuracy"])
    )
    assert all(e["intent"] != e["predicted"] for e in reworded["errors"])
    assert "paraphrase intent macro-F1" in out

    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    labels = report.split('<table id="paraphrase-labels">')[1].split("</table>")[0]
    assert labels.count("<tr data-name=") == len(reworded["intents_and_faq_keys"])
    intents = report.split('<table id="intents">')[1].split("</table>")[0]
    assert intents.count("<tr data-name=") == len(summary["intents"])
    for name, row in summary["intents"].items():
        assert f'<tr data-name="{name}"><td>{name}</td>' in intents
        assert f'<td class="num f1">{row["f1-score"]:.3f}</td>' in intents
    assert '<img id="confusion" alt="意图混淆矩阵" src="data:image/png;base64,' in report
    assert "没有上次的评估报告" in report
    assert len(list((tmp_path / "history").glob("*.json"))) == 1

    # A second run compares with the first. Scoring again costs a minute and gives the same
    # numbers, so the second run is the first one's summary, a minute later with one intent
    # worse, written the way evaluate() writes every run.
    later = (generated + dt.timedelta(minutes=1)).isoformat(timespec="seconds")
    worse = max(summary["intents"], key=lambda name: summary["intents"][name]["f1-score"])
    second = json.loads(json.dumps(summary))
    second["generated_at"] = later
    second["intents"][worse]["f1-score"] -= 0.1
    write_reports(second, tmp_path)
    assert len(list((tmp_path / "history").glob("*.json"))) == 2
    comparison = (
        (tmp_path / "report.html").read_text(encoding="utf-8").split('<section id="comparison">')[1]
    )
    assert summary["generated_at"] in comparison
    assert f"<li>{worse}：" in comparison.split('<ul id="worse">')[1].split("</ul>")[0]

"""Evaluate the trained model on the held-out split: ``make eval``.

Prints intent macro-F1 and entity F1 (on the entities the whole pipeline finally outputs, after
merging and synonym mapping) and writes ``reports/heldout/``: Rasa's intent report, errors and
confusion matrix from ``rasa test nlu``, plus ``heldout_summary.json``, its copy in
``history/<time>.json`` and ``report.html`` (``bot.trainer.report``), which compares the run
with the previous summary (the one this run replaces, or ``--previous``).

The paraphrases (``bot/data/heldout/paraphrases.yml``, examples that share no wording with the
training examples of their label: ``bot.trainer.paraphrases``) are scored apart, under
``"paraphrases"`` in the summary (``split_scores``): they measure meaning over wording, and
mixed into the held-out split they would hide it. Their intent macro-F1 averages over the
labels they have (``label_scores``), as the intent + FAQ key scores do; Rasa's report behind
the split's ``intent_macro_f1`` also averages in labels only predicted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.settings import get_settings
from bot.trainer import paths
from bot.trainer.paraphrases import PARAPHRASES
from bot.trainer.report import render_report
from bot.trainer.scores import entity_f1, entity_spans, split_scores

SUMMARY_FILE = "heldout_summary.json"
REPORT_FILE = "report.html"
HISTORY_DIR = "history"


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def intent_errors(path: Path) -> list[dict[str, Any]]:
    """The misclassified examples of Rasa's ``intent_errors.json``, by expected intent.

    Rasa writes the file only when some prediction is wrong: a missing file means none.
    """
    if not path.exists():
        return []
    errors = []
    for error in json.loads(path.read_text(encoding="utf-8")):
        prediction = error.get("intent_prediction") or {}
        errors.append(
            {
                "text": str(error.get("text") or ""),
                "intent": str(error.get("intent") or ""),
                "predicted": str(prediction.get("name") or ""),
                "confidence": float(prediction.get("confidence") or 0.0),
            }
        )
    return sorted(errors, key=lambda e: (e["intent"], e["text"]))


def load_summary(path: Path) -> dict[str, Any] | None:
    """A summary written before, or ``None``: missing, or unreadable (with a one-line warning)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"warning: ignoring the previous summary {path}: {error}", file=sys.stderr)
        return None
    if not isinstance(data, dict):
        print(f"warning: ignoring the previous summary {path}: not a JSON object", file=sys.stderr)
        return None
    return data


def write_reports(summary: dict[str, Any], out: Path, previous: Path | None = None) -> Path:
    """Write the summary, its copy in ``history/`` and ``report.html``; return the report's path.

    The run compared against is ``previous`` when given, else the summary already in ``out``
    (which this one replaces). A missing or unreadable previous summary means no comparison.
    """
    out.mkdir(parents=True, exist_ok=True)
    current = out / SUMMARY_FILE
    if previous is not None and not previous.is_file():
        print(f"warning: no previous summary at {previous}: nothing to compare", file=sys.stderr)
        before = None
    else:
        before = load_summary(previous or current)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    current.write_text(text, encoding="utf-8")
    history = out / HISTORY_DIR
    history.mkdir(exist_ok=True)
    stamp = dt.datetime.fromisoformat(str(summary["generated_at"])).strftime("%Y%m%dT%H%M%S")
    copy, n = history / f"{stamp}.json", 2
    while copy.exists():
        copy, n = history / f"{stamp}-{n}.json", n + 1
    copy.write_text(text, encoding="utf-8")
    picture = out / "intent_confusion_matrix.png"
    png = picture.read_bytes() if picture.is_file() else None
    report = out / REPORT_FILE
    report.write_text(render_report(summary, before, png), encoding="utf-8")
    return report


def evaluate(
    model: Path,
    heldout: Path,
    out: Path,
    previous: Path | None = None,
    paraphrases: Path | None = None,
) -> dict[str, Any]:
    """Score ``model`` on ``heldout``; write reports to ``out``; return the summary.

    ``previous``: the summary to compare with instead of the one already in ``out``.
    ``paraphrases``: held-out paraphrases, scored apart under ``"paraphrases"`` (``None``
    there when not given).
    """
    from rasa.shared.nlu.training_data.loading import load_data

    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(get_settings().tz)
    # Rasa writes intent_errors.json only when there are errors: never read a stale one.
    (out / "intent_errors.json").unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--model", str(model),
         "--nlu", str(heldout), "--out", str(out)],
        check=True,
    )  # fmt: skip
    intent_report = json.loads((out / "intent_report.json").read_text())
    confusion_matrix = out / "intent_confusion_matrix.png"
    if not confusion_matrix.exists():
        raise RuntimeError(f"rasa test nlu wrote no confusion matrix at {confusion_matrix}")
    examples = [m for m in load_data(str(heldout)).intent_examples if m.get("text")]
    reworded = (
        [m for m in load_data(str(paraphrases)).intent_examples if m.get("text")]
        if paraphrases is not None
        else []
    )
    # One model load for both: the paraphrases' parses follow the held-out ones.
    parses = asyncio.run(_parse_all(model, [m.get("text") for m in examples + reworded]))
    parsed = parses[: len(examples)]
    gold = [entity_spans(m.get("entities") or []) for m in examples]
    predicted = [entity_spans(p.get("entities") or []) for p in parsed]
    entities = entity_f1(gold, predicted)
    scores = split_scores(examples, parsed)
    summary = {
        "generated_at": started.isoformat(timespec="seconds"),
        "model": str(model),
        "model_modified": dt.datetime.fromtimestamp(
            model.stat().st_mtime, started.tzinfo
        ).isoformat(timespec="seconds"),
        "intent_macro_f1": intent_report["macro avg"]["f1-score"],
        "intent_accuracy": intent_report["accuracy"],
        "entity_f1": entities["overall"]["f1"],
        "entities": entities,
        "intents": {
            name: {k: row[k] for k in ("precision", "recall", "f1-score", "support")}
            for name, row in intent_report.items()
            if isinstance(row, dict)
            and "support" in row
            and name not in {"macro avg", "weighted avg", "micro avg"}
        },
        "intent_and_faq_macro_f1": scores["intent_and_faq_macro_f1"],
        "faq_key_macro_f1": scores["faq_key_macro_f1"],
        "intents_and_faq_keys": scores["intents_and_faq_keys"],
        "examples": len(examples),
        "confusion_matrix": str(confusion_matrix),
        # Rasa's misclassified examples: the same predictions as the "intents" table.
        "errors": intent_errors(out / "intent_errors.json"),
        "errors_with_answer_suggested": scores["errors_with_answer_suggested"],
        "paraphrases": (
            {"file": str(paraphrases), **split_scores(reworded, parses[len(examples) :])}
            if paraphrases is not None
            else None
        ),
    }
    write_reports(summary, out, previous)
    return summary


def _print_rows(title: str, rows: dict[str, Any], width: int, f1_key: str = "f1-score") -> None:
    print(f"{title:<{width}}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for name, row in sorted(rows.items()):
        print(
            f"{name:<{width}}{row['precision']:>10.3f}{row['recall']:>8.3f}"
            f"{row[f1_key]:>8.3f}{int(row['support']):>5}"
        )


def print_paraphrases(scores: dict[str, Any]) -> None:
    """The paraphrases' table, scores and misclassified examples."""
    print(f"\nparaphrases ({scores['file']}): {scores['examples']} examples")
    _print_rows("intent or FAQ key", scores["intents_and_faq_keys"], 26)
    for error in scores["errors"]:
        print(
            f"  {error['text']}: {error['intent']} → {error['predicted']}"
            f" ({error['confidence']:.2f})"
        )
    print(f"paraphrase intent macro-F1:           {scores['intent_macro_f1']:.3f}")
    print(f"paraphrase intent accuracy:           {scores['intent_accuracy']:.3f}")
    print(f"paraphrase FAQ key macro-F1:          {scores['faq_key_macro_f1']:.3f}")
    print(f"paraphrase intent + FAQ key macro-F1: {scores['intent_and_faq_macro_f1']:.3f}")
    print(f"paraphrase intent + FAQ key accuracy: {scores['intent_and_faq_accuracy']:.3f}")
    print(
        f"paraphrases misclassified: {len(scores['errors'])}, of which the "
        f'"您是想问…" buttons offer the right answer: {scores["errors_with_answer_suggested"]}'
    )


def print_summary(summary: dict[str, Any]) -> None:
    """Human-readable tables."""
    print(f"\nheld-out examples: {summary['examples']}")
    _print_rows("intent", summary["intents"], 22)
    print()
    _print_rows("intent or FAQ key", summary["intents_and_faq_keys"], 26)
    print()
    _print_rows("entity", summary["entities"], 22, f1_key="f1")
    print(f"\nintent macro-F1: {summary['intent_macro_f1']:.3f}")
    print(f"intent accuracy: {summary['intent_accuracy']:.3f}")
    print(f"FAQ key macro-F1: {summary['faq_key_macro_f1']:.3f}")
    print(f"intent + FAQ key macro-F1: {summary['intent_and_faq_macro_f1']:.3f}")
    print(f"entity F1:       {summary['entity_f1']:.3f}")
    print(f"confusion matrix: {summary['confusion_matrix']}")
    print(f"misclassified examples: {len(summary['errors'])}")
    if summary.get("paraphrases"):
        print_paraphrases(summary["paraphrases"])


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it."""
    resolved, cwd = path.resolve(), Path.cwd().resolve()
    return str(resolved.relative_to(cwd)) if resolved.is_relative_to(cwd) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.MODEL_FILE)
    parser.add_argument("--heldout", type=Path, default=paths.HELDOUT)
    parser.add_argument(
        "--paraphrases",
        type=Path,
        default=PARAPHRASES,
        help="held-out paraphrases, scored apart from --heldout",
    )
    parser.add_argument("--out", type=Path, default=paths.REPORTS_DIR / "heldout")
    parser.add_argument(
        "--previous",
        type=Path,
        default=None,
        help=f"summary to compare with (default: the {SUMMARY_FILE} already in --out)",
    )
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"no model at {args.model}: run `make train` first", file=sys.stderr)
        return 2
    summary = evaluate(args.model, args.heldout, args.out, args.previous, args.paraphrases)
    print_summary(summary)
    print(f"\nreports: {args.out}")
    print(f"report: {shown(args.out / REPORT_FILE)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

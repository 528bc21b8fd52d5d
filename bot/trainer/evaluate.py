"""Evaluate the trained model on the held-out split: ``make eval``.

Prints intent macro-F1 and entity F1 (on the entities the whole pipeline finally outputs, after
merging and synonym mapping) and writes ``reports/``: Rasa's intent report and confusion matrix
from ``rasa test nlu``, plus ``reports/heldout_summary.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.trainer import paths

Span = tuple[int, int, str, str]


def entity_spans(entities: list[dict[str, Any]]) -> set[Span]:
    """Comparable ``(start, end, entity, value)`` tuples; values compared as strings."""
    return {
        (int(e["start"]), int(e["end"]), str(e["entity"]), str(e.get("value")))
        for e in entities
        if "start" in e and "end" in e
    }


def entity_f1(gold: list[set[Span]], predicted: list[set[Span]]) -> dict[str, dict[str, float]]:
    """Micro precision/recall/F1 per entity type and overall, on exact span and type.

    Values are not compared: device entities are normalised to catalogue ids by the ruler.
    """
    counts: dict[str, Counter[str]] = {}
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        g = {(s, e, t) for s, e, t, _ in gold_spans}
        p = {(s, e, t) for s, e, t, _ in predicted_spans}
        for span in g | p:
            kind = span[2]
            counter = counts.setdefault(kind, Counter())
            counter["tp" if span in g and span in p else ("fn" if span in g else "fp")] += 1
    total: Counter[str] = Counter()
    for counter in counts.values():
        total.update(counter)
    counts["overall"] = total
    return {kind: _scores(counter) for kind, counter in sorted(counts.items())}


def _scores(counter: Counter[str]) -> dict[str, float]:
    tp, fp, fn = counter["tp"], counter["fp"], counter["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def full_intent(parse: dict[str, Any]) -> str:
    """The predicted intent with its FAQ key (``faq/hotline``) when it is a retrieval intent."""
    name = str((parse.get("intent") or {}).get("name") or "")
    selector = (parse.get("response_selector") or {}).get(name) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return str(key) if key else name


def label_scores(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1 and the macro-F1 over the gold labels."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    rows = {
        label: {
            "precision": float(p),
            "recall": float(r),
            "f1-score": float(f),
            "support": int(n),
        }
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    }
    macro = sum(row["f1-score"] for row in rows.values()) / len(rows) if rows else 0.0
    return {"labels": rows, "macro_f1": macro}


def evaluate(model: Path, heldout: Path, out: Path) -> dict[str, Any]:
    """Score ``model`` on ``heldout``; write reports to ``out``; return the summary."""
    from rasa.shared.nlu.training_data.loading import load_data

    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--model", str(model),
         "--nlu", str(heldout), "--out", str(out)],
        check=True,
    )  # fmt: skip
    intent_report = json.loads((out / "intent_report.json").read_text())
    confusion_matrix = out / "intent_confusion_matrix.png"
    if not confusion_matrix.exists():
        raise RuntimeError(f"rasa test nlu wrote no confusion matrix at {confusion_matrix}")
    data = load_data(str(heldout))
    examples = [m for m in data.intent_examples if m.get("text")]
    parsed = asyncio.run(_parse_all(model, [m.get("text") for m in examples]))
    gold = [entity_spans(m.get("entities") or []) for m in examples]
    predicted = [entity_spans(p.get("entities") or []) for p in parsed]
    entities = entity_f1(gold, predicted)
    full_gold = [str(m.get("intent_response_key") or m.get("intent")) for m in examples]
    full = label_scores(full_gold, [full_intent(p) for p in parsed])
    summary = {
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
        "intent_and_faq_macro_f1": full["macro_f1"],
        "intents_and_faq_keys": full["labels"],
        "examples": len(examples),
        "confusion_matrix": str(confusion_matrix),
    }
    (out / "heldout_summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    """Human-readable tables."""
    print(f"\nheld-out examples: {summary['examples']}")
    print(f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for name, row in sorted(summary["intents"].items()):
        print(
            f"{name:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}"
            f"{row['f1-score']:>8.3f}{int(row['support']):>5}"
        )
    print(f"\n{'intent or FAQ key':<26}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for name, row in sorted(summary["intents_and_faq_keys"].items()):
        print(
            f"{name:<26}{row['precision']:>10.3f}{row['recall']:>8.3f}"
            f"{row['f1-score']:>8.3f}{int(row['support']):>5}"
        )
    print(f"\n{'entity':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for name, row in summary["entities"].items():
        print(
            f"{name:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}"
            f"{row['f1']:>8.3f}{int(row['support']):>5}"
        )
    print(f"\nintent macro-F1: {summary['intent_macro_f1']:.3f}")
    print(f"intent accuracy: {summary['intent_accuracy']:.3f}")
    print(f"intent + FAQ key macro-F1: {summary['intent_and_faq_macro_f1']:.3f}")
    print(f"entity F1:       {summary['entity_f1']:.3f}")
    print(f"confusion matrix: {summary['confusion_matrix']}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.MODEL_FILE)
    parser.add_argument("--heldout", type=Path, default=paths.HELDOUT)
    parser.add_argument("--out", type=Path, default=paths.REPORTS_DIR / "heldout")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"no model at {args.model}: run `make train` first", file=sys.stderr)
        return 2
    summary = evaluate(args.model, args.heldout, args.out)
    print_summary(summary)
    print(f"\nreports: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

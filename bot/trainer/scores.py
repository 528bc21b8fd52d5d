"""Scores of NLU predictions against gold examples: intents, FAQ keys and entity spans.

Pure (no model, no files): :mod:`bot.trainer.evaluate` feeds it the held-out split and the
paraphrases, the benchmarks their folds.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

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


def gold_label(message: Any) -> str:
    """A gold example's intent with its FAQ key (``faq/hotline``) when it is a retrieval one."""
    return str(message.get("intent_response_key") or message.get("intent"))


def in_suggestions(label: str, parse: dict[str, Any]) -> bool:
    """Whether the fallback's "您是想问…" buttons for ``parse`` include ``label``."""
    from bot.actions.fallback import suggested

    return label in {name for name, _ in suggested(parse)}


def split_scores(examples: list[Any], parsed: list[dict[str, Any]]) -> dict[str, Any]:
    """Intent, FAQ key and intent + FAQ key scores of ``parsed`` against the gold ``examples``.

    Args:
        examples: Rasa messages with their gold ``intent`` (and ``intent_response_key``).
        parsed: The model's parse of each example's text, in the same order.

    Returns:
        Macro-F1s and accuracies, the per-label rows, and the misclassified examples (by
        intent + FAQ key, so a wrong FAQ answer is an error too) sorted by expected label.
    """
    intent_gold = [str(m.get("intent")) for m in examples]
    intent_predicted = [str((p.get("intent") or {}).get("name") or "") for p in parsed]
    full_gold = [gold_label(m) for m in examples]
    full_predicted = [full_intent(p) for p in parsed]
    intents = label_scores(intent_gold, intent_predicted)
    full = label_scores(full_gold, full_predicted)
    faq = [
        (gold, predicted)
        for m, gold, predicted in zip(examples, full_gold, full_predicted, strict=True)
        if m.get("intent_response_key")
    ]
    faq_keys = label_scores([g for g, _ in faq], [p for _, p in faq])
    errors = [
        {
            "text": str(m.get("text")),
            "intent": gold,
            "predicted": predicted,
            "confidence": float((p.get("intent") or {}).get("confidence") or 0.0),
        }
        for m, p, gold, predicted in zip(examples, parsed, full_gold, full_predicted, strict=True)
        if gold != predicted
    ]
    n = len(examples)
    intent_right = sum(g == p for g, p in zip(intent_gold, intent_predicted, strict=True))
    missed = [
        (g, p) for g, p, guess in zip(full_gold, parsed, full_predicted, strict=True) if g != guess
    ]
    return {
        # Of the misclassified examples, how many would find their answer among the
        # "您是想问…" buttons the fallback offers (bot/actions/fallback.py).
        "errors_with_answer_suggested": sum(in_suggestions(g, p) for g, p in missed),
        "examples": n,
        "intent_macro_f1": intents["macro_f1"],
        "intent_accuracy": intent_right / n if n else 0.0,
        "faq_key_macro_f1": faq_keys["macro_f1"],
        "intent_and_faq_macro_f1": full["macro_f1"],
        "intent_and_faq_accuracy": (n - len(errors)) / n if n else 0.0,
        "intents": intents["labels"],
        "intents_and_faq_keys": full["labels"],
        "errors": sorted(errors, key=lambda e: (e["intent"], e["text"])),
    }

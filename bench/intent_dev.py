"""Choose intent-classifier settings on a dev split of the TRAINING data (never the held-out).

Usage: ``python bench/intent_dev.py [--config config.yml] [--dev-fraction 0.2]``.
Trains the NLU pipeline once on the rest of the training data, then prints dev macro-F1 for
DIET alone, the character n-gram model alone, and their average at several DIET weights.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Unweighted mean of per-intent F1."""
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, average="macro", zero_division=0))


async def _parse(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def ensemble_config(config_file: Path) -> dict[str, Any]:
    """The IntentEnsemble settings in ``config_file`` (its defaults when it is not there)."""
    import yaml

    pipeline = yaml.safe_load(config_file.read_text(encoding="utf-8")).get("pipeline") or []
    entry = next((c for c in pipeline if str(c.get("name")).endswith("IntentEnsemble")), {})
    return {k: v for k, v in entry.items() if k != "name"}


def main() -> int:
    """Split, train, score."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--dev-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.45, help="FallbackClassifier's")
    args = parser.parse_args()

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.intent_ensemble import (
        DIET_RANKING_KEY,
        SELECTOR_RANKING_KEY,
        IntentEnsemble,
        by_intent,
        combine,
        within,
    )

    data = load_data(str(ROOT / "bot" / "data" / "nlu"))
    train, dev = data.train_test_split(train_frac=1 - args.dev_fraction, random_seed=args.seed)
    work = Path(tempfile.mkdtemp(prefix="intent-dev-"))
    (work / "train.yml").write_text(RasaYAMLWriter().dumps(train), encoding="utf-8")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(args.config),
         "--nlu", str(work / "train.yml"), "--out", str(work), "--fixed-model-name", "dev"],
        check=True, cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"trained on {len(train.intent_examples)} examples in {time.monotonic() - started:.0f} s")
    examples = [m for m in dev.intent_examples if m.get("text")]
    gold = [m.get("intent") for m in examples]
    parsed = asyncio.run(_parse(work / "dev.tar.gz", [m.get("text") for m in examples]))

    # The n-gram model with the config's settings, refitted by the component's own (deterministic)
    # fit, so that its distribution can be mixed with DIET's at other weights.
    ngram = IntentEnsemble.create(ensemble_config(args.config), None, None, None)  # type: ignore[arg-type]
    ngram.fit(train.intent_examples)

    def without_fallback(ranking: list[dict[str, Any]]) -> dict[str, float]:
        return {r["name"]: r["confidence"] for r in ranking if r["name"] != "nlu_fallback"}

    diet_rankings = [
        without_fallback(p.get(DIET_RANKING_KEY) or p["intent_ranking"]) for p in parsed
    ]
    full_probs = [
        ngram.label_probabilities(m.get("text"), p.get("entities"))
        for m, p in zip(examples, parsed, strict=True)
    ]
    ngram_probs = [by_intent(p) for p in full_probs]
    if ngram.config.get("mask_entities"):
        plain = IntentEnsemble.create(
            {**ensemble_config(args.config), "mask_entities": []},
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
        )
        plain.fit(train.intent_examples)
        unmasked = [by_intent(plain.label_probabilities(m.get("text"))) for m in examples]
    print(f"dev examples: {len(examples)} ({len(set(gold))} intents)")
    print(f"{'':<28}{'macro-F1':>8}  below {args.threshold} (would fall back)")

    def report(label: str, distributions: list[dict[str, float]]) -> None:
        predicted = [max(d, key=lambda n: d[n]) for d in distributions]
        low = sum(max(d.values()) < args.threshold for d in distributions) / len(distributions)
        print(f"{label:<28}{macro_f1(gold, predicted):>8.3f}  {low:6.1%}")

    report("DIET alone", diet_rankings)
    report("char n-gram LR alone", ngram_probs)
    if ngram.config.get("mask_entities"):
        report("char n-gram LR, no masking", unmasked)
    for weight in (0.3, 0.5, 0.7, 0.8, 0.9):
        mixed = [
            dict(combine(d, p, weight)) for d, p in zip(diet_rankings, ngram_probs, strict=True)
        ]
        report(f"ensemble, DIET weight {weight}", mixed)
    final = [p["intent"]["name"] for p in parsed]
    print(f"{'pipeline output (config)':<28}{macro_f1(gold, final):>8.3f}")
    report_retrieval_keys(examples, parsed, full_probs, within, combine, SELECTOR_RANKING_KEY)
    return 0


def report_retrieval_keys(
    examples: list[Any],
    parsed: list[dict[str, Any]],
    full_probs: list[dict[str, float]],
    within: Any,
    combine: Any,
    selector_key: str,
) -> None:
    """Macro-F1 of the FAQ key among dev examples of retrieval intents, per mix."""
    rows = [
        (m.get("intent_response_key"), m.get("intent"), p, f)
        for m, p, f in zip(examples, parsed, full_probs, strict=True)
        if m.get("intent_response_key")
    ]
    if not rows:
        return
    gold = [key for key, *_ in rows]
    selector = []
    ngram = []
    for _key, intent, parse, probs in rows:
        output = (parse.get("response_selector") or {}).get(intent) or {}
        ranking = output.get(selector_key) or output.get("ranking") or []
        selector.append({r["intent_response_key"]: r["confidence"] for r in ranking})
        ngram.append(within(probs, intent))
    print(f"\nretrieval keys: {len(rows)} dev examples ({len(set(gold))} keys)")

    def best(distribution: dict[str, float]) -> str:
        return max(distribution, key=lambda k: distribution[k]) if distribution else ""

    print(f"{'ResponseSelector alone':<28}{macro_f1(gold, [best(d) for d in selector]):>8.3f}")
    print(f"{'char n-gram LR alone':<28}{macro_f1(gold, [best(d) for d in ngram]):>8.3f}")
    for weight in (0.2, 0.3, 0.5, 0.7):
        mixed = [dict(combine(s, n, weight)) for s, n in zip(selector, ngram, strict=True)]
        score = macro_f1(gold, [best(d) for d in mixed])
        print(f"{f'mix, selector weight {weight}':<28}{score:>8.3f}")
    final = [
        ((p.get("response_selector") or {}).get(i) or {})
        .get("response", {})
        .get("intent_response_key", "")
        for _k, i, p, _f in rows
    ]
    print(f"{'pipeline output (config)':<28}{macro_f1(gold, final):>8.3f}")


if __name__ == "__main__":
    raise SystemExit(main())

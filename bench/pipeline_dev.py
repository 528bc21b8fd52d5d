"""Each pipeline component earns its place: scores on a dev split of the TRAINING data.

Usage: ``python bench/pipeline_dev.py [--variants project,no-crf,selector,before]``
(``make bench-pipeline``). The NLU training data is split once (20 % dev, seed 7, as in
``bench/intent_dev.py``); every variant is trained on the rest with ``rasa train nlu`` in a
temporary folder with a Rasa cache of its own (so every training starts from scratch) and scored
on the dev part: intent macro-F1, intent + FAQ-key macro-F1, entity F1 (overall and per type, as
``make eval`` counts it), training seconds, model size and parse p50/p95. The held-out split is
never touched.

Variants:
- ``project``: ``config.yml``.
- ``no-crf``: ``config.yml`` without the CRF entity extractor (and the features only it reads).
- ``selector``: ``config.yml`` with the ``ResponseSelector`` of the configuration before issue 14
  (and the count-vector features it needs), averaged into the FAQ keys as before.
- ``before``: ``bench/lean/before.yml``, the pipeline with DIET and the ResponseSelector.
- any other name is a Rasa config file.

Prints a table and writes ``bench/results/pipeline_dev.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_benchmark import parse_timed, percentile  # noqa: E402
from bench.stack import run_stamp  # noqa: E402
from bot.trainer.sandbox import run  # noqa: E402
from bot.trainer.scores import entity_f1, entity_spans, full_intent, label_scores  # noqa: E402

BEFORE = ROOT / "bench" / "lean" / "before.yml"
OUT = ROOT / "bench" / "results" / "pipeline_dev.json"
CRF_ONLY = {"CRFEntityExtractor", "RegexFeaturizer"}


def _names(pipeline: list[dict[str, Any]]) -> list[str]:
    return [str(c.get("name")) for c in pipeline]


def variant_config(name: str) -> dict[str, Any]:
    """The Rasa configuration of a named variant (or of a config file)."""
    project: dict[str, Any] = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    if name == "project":
        return project
    if name == "before":
        return dict(yaml.safe_load(BEFORE.read_text(encoding="utf-8")))
    if name == "no-crf":
        pipeline = [c for c in project["pipeline"] if c["name"] not in CRF_ONLY]
        return {**project, "pipeline": pipeline}
    if name == "selector":
        before = yaml.safe_load(BEFORE.read_text(encoding="utf-8"))["pipeline"]
        needed = [c for c in before if c["name"] in {"CountVectorsFeaturizer", "ResponseSelector"}]
        pipeline = list(project["pipeline"])
        at = _names(pipeline).index("bot.nlu.intent_ensemble.IntentEnsemble")
        pipeline[at:at] = needed
        return {**project, "pipeline": pipeline}
    path = Path(name)
    if not path.is_file():
        raise SystemExit(f"unknown variant or missing config file: {name}")
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def split(seed: int, dev_fraction: float, work: Path) -> tuple[Path, list[Any]]:
    """Write the training part to ``work/train.yml``; return it and the dev examples."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "bot" / "data" / "nlu"))
    train, dev = data.train_test_split(train_frac=1 - dev_fraction, random_seed=seed)
    path = work / "train.yml"
    path.write_text(RasaYAMLWriter().dumps(train), encoding="utf-8")
    return path, [m for m in dev.intent_examples if m.get("text")]


def score(examples: list[Any], parsed: list[dict[str, Any]]) -> dict[str, Any]:
    """Intent, intent + FAQ key and entity scores of ``parsed`` against the gold ``examples``."""
    intents = label_scores(
        [str(m.get("intent")) for m in examples],
        [str((p.get("intent") or {}).get("name")) for p in parsed],
    )
    full = label_scores(
        [str(m.get("intent_response_key") or m.get("intent")) for m in examples],
        [full_intent(p) for p in parsed],
    )
    faq = [(m, p) for m, p in zip(examples, parsed, strict=True) if m.get("intent_response_key")]
    faq_gold = [str(m.get("intent_response_key")) for m, _ in faq]
    faq_predicted = [full_intent(p) for _, p in faq]
    entities = entity_f1(
        [entity_spans(m.get("entities") or []) for m in examples],
        [entity_spans(p.get("entities") or []) for p in parsed],
    )
    return {
        "intent_macro_f1": intents["macro_f1"],
        "intent_and_faq_macro_f1": full["macro_f1"],
        "faq_key_macro_f1": label_scores(faq_gold, faq_predicted)["macro_f1"],
        "entity_f1": entities["overall"]["f1"],
        "entities": entities,
    }


def measure(name: str, train_file: Path, examples: list[Any], work: Path) -> dict[str, Any]:
    """Train one variant from scratch and score it on the dev examples."""
    folder = work / name.replace("/", "_")
    folder.mkdir()
    config = folder / "config.yml"
    config.write_text(yaml.safe_dump(variant_config(name), allow_unicode=True), encoding="utf-8")
    started = time.monotonic()
    result = run(
        ROOT,
        ["-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(train_file),
         "--out", str(folder), "--fixed-model-name", "dev"],
        env={"RASA_CACHE_DIRECTORY": str(folder / "cache")},
    )  # fmt: skip
    seconds = time.monotonic() - started
    model = folder / "dev.tar.gz"
    if result.returncode != 0 or not model.exists():
        print(result.stderr[-2000:], file=sys.stderr)
        return {"variant": name, "failed": True, "training_s": seconds}
    parsed, parse_s = asyncio.run(parse_timed(model, [m.get("text") for m in examples]))
    times = [s * 1000 for s in parse_s]
    return {
        "variant": name,
        "components": _names(variant_config(name)["pipeline"]),
        "training_s": round(seconds, 1),
        "model_mb": round(model.stat().st_size / 1e6, 1),
        "parse_p50_ms": round(statistics.median(times), 2),
        "parse_p95_ms": round(percentile(times, 95), 2),
        **score(examples, parsed),
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    """One column per variant."""
    metrics = [
        ("intent macro-F1", "intent_macro_f1", "{:.3f}"),
        ("intent + FAQ key macro-F1", "intent_and_faq_macro_f1", "{:.3f}"),
        ("FAQ key macro-F1", "faq_key_macro_f1", "{:.3f}"),
        ("entity F1", "entity_f1", "{:.3f}"),
        ("training s", "training_s", "{:.0f}"),
        ("model MB", "model_mb", "{:.1f}"),
        ("parse p50 ms", "parse_p50_ms", "{:.1f}"),
        ("parse p95 ms", "parse_p95_ms", "{:.1f}"),
    ]
    print(f"{'':<28}" + "".join(f"{r['variant'][:14]:>15}" for r in rows))
    for label, key, fmt in metrics:
        cells = "".join(
            f"{('failed' if r.get('failed') else fmt.format(r[key])):>15}" for r in rows
        )
        print(f"{label:<28}{cells}")
    kinds = sorted({k for r in rows if not r.get("failed") for k in r["entities"]} - {"overall"})
    for kind in kinds:
        cells = "".join(
            f"{r['entities'].get(kind, {}).get('f1', 0.0):>15.3f}"
            if not r.get("failed")
            else f"{'failed':>15}"
            for r in rows
        )
        print(f"{'  entity F1 ' + kind:<28}{cells}")


def main(argv: list[str] | None = None) -> int:
    """Split, train every variant, score, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", default="project,no-crf,selector,before")
    parser.add_argument("--dev-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    for name in names:
        variant_config(name)  # refuse an unknown variant before any training
    with tempfile.TemporaryDirectory(prefix="pipeline-dev-") as folder:
        work = Path(folder)
        train_file, examples = split(args.seed, args.dev_fraction, work)
        print(f"dev examples: {len(examples)} (seed {args.seed})")
        rows = [measure(name, train_file, examples, work) for name in names]
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {**run_stamp(), "dev_examples": len(examples), "seed": args.seed, "variants": rows}
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {args.out}")
    return 0 if not any(r.get("failed") for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

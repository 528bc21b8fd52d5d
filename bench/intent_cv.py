"""Choose the intent model's settings by 5-fold cross-validation: ``make bench-intent-cv``.

Every setting in the grid is fitted in this process with the model the NLU component uses
(``bot.nlu.intent_model.IntentModel``) on two data sets:

- **SMP2017-ECDT task 1:** 5-fold cross-validation on train + develop (issue 7 found that
  develop alone and test disagree at this size), then, for the record, fitted on train +
  develop and scored on test. Choices are made on the CV score only.
- **The product's NLU data** (``bot/data/nlu``): 5-fold cross-validation on the training
  examples, scored by intent and by intent-or-FAQ-key; then fitted on all of it and scored on
  the held-out files (``bot/data/heldout``). Entity spans are masked from their annotations,
  in training folds and scored folds alike (in the product the extractors find them), and no
  FallbackClassifier is applied: the figures compare settings, ``make eval`` is the product's
  score.

Every setting tried is printed and written to ``bench/results/intent_cv.json`` with all its
scores, the losers included. Sentence embeddings are computed once per text.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_benchmark import DEFAULT_DATA, load_split, merge, pairs  # noqa: E402
from bot.nlu.intent_model import IntentModel, IntentModelSettings, Parts, mix  # noqa: E402

FOLDS = 5
SEED = 0
PRODUCT_NLU = ROOT / "bot" / "data" / "nlu"
PRODUCT_HELDOUT = ROOT / "bot" / "data" / "heldout"
OUT = ROOT / "bench" / "results" / "intent_cv.json"


@dataclass
class Dataset:
    """Prepared texts with labels and embeddings; an optional scored split beside them."""

    name: str
    texts: list[str]
    labels: list[str]
    vectors: np.ndarray
    tests: dict[str, tuple[list[str], list[str], np.ndarray]]


def intent_of(label: str) -> str:
    """``faq/hotline`` → ``faq``; other labels unchanged."""
    return label.split("/", 1)[0]


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Macro-F1 over intent-or-key labels, over intents, and accuracy."""
    from bot.trainer.scores import label_scores

    full = label_scores(list(gold), list(predicted))["macro_f1"]
    intents = label_scores([intent_of(g) for g in gold], [intent_of(p) for p in predicted])
    right = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "macro_f1": round(float(full), 4),
        "intent_macro_f1": round(float(intents["macro_f1"]), 4),
        "accuracy": round(right / len(gold), 4),
    }


def top_labels(classes: Sequence[str], probabilities: np.ndarray) -> list[str]:
    """The most probable label of each row."""
    return [classes[i] for i in probabilities.argmax(axis=1)]


@dataclass
class Fitted:
    """The parts of one fitted heavy setting for one scored set, per encoder_C."""

    classes: list[str]
    parts: dict[float, Parts]


def fit_parts(
    heavy: IntentModelSettings,
    encoder_cs: Sequence[float],
    fit: tuple[list[str], list[str], np.ndarray],
    scored: dict[str, tuple[list[str], np.ndarray]],
) -> dict[str, Fitted]:
    """Fit the n-gram regression once, the embedding regression once per C; score each set.

    The light settings (shares and temperature) only average these parts: they are tried
    without fitting again (``bot.nlu.intent_model.mix``).
    """
    texts, labels, vectors = fit
    model = IntentModel(replace(heavy, neighbour_weight=0.5, encoder_classifier_weight=0.0))
    model.fit(texts, labels, vectors)
    results = {name: Fitted(model.classes, {}) for name in scored}
    for c in encoder_cs:
        model.settings = replace(model.settings, encoder_C=c)
        model.fit_encoder_classifier(vectors, labels)
        for name, (score_texts, score_vectors) in scored.items():
            results[name].parts[c] = model.parts(score_texts, score_vectors)
    return results


def light_settings(heavy: IntentModelSettings) -> list[IntentModelSettings]:
    """The shares and temperatures tried on top of one heavy setting."""
    tried = []
    for share, c in [(0.0, 10.0), *itertools.product(ENCODER_SHARES, ENCODER_CS)]:
        for nearest, temperature in [(0.0, 0.05), *itertools.product(NEAREST_SHARES, TEMPS)]:
            tried.append(
                replace(
                    heavy,
                    encoder_classifier_weight=share,
                    encoder_C=c,
                    neighbour_weight=nearest,
                    neighbour_temperature=temperature,
                )
            )
    return tried


def evaluate(data: Dataset, heavy: IntentModelSettings) -> list[dict[str, Any]]:
    """Rows for every light setting on top of ``heavy``: CV and scored-split figures."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    out_of_fold: list[tuple[np.ndarray, Fitted]] = []
    for fit_rows, score_rows in folds.split(data.texts, data.labels):
        fitted = fit_parts(
            heavy,
            ENCODER_CS,
            (
                [data.texts[i] for i in fit_rows],
                [data.labels[i] for i in fit_rows],
                data.vectors[fit_rows],
            ),
            {"cv": ([data.texts[i] for i in score_rows], data.vectors[score_rows])},
        )
        out_of_fold.append((score_rows, fitted["cv"]))
    full = fit_parts(
        heavy,
        ENCODER_CS,
        (data.texts, data.labels, data.vectors),
        {name: (texts, vectors) for name, (texts, _, vectors) in data.tests.items()},
    )
    rows = []
    for settings in light_settings(heavy):
        predicted = [""] * len(data.texts)
        for score_rows, fitted in out_of_fold:
            guesses = top_labels(fitted.classes, mix(fitted.parts[settings.encoder_C], settings))
            for row, guess in zip(score_rows, guesses, strict=True):
                predicted[row] = guess
        result: dict[str, Any] = {"cv": scores(data.labels, predicted)}
        for name, (_, labels, _) in data.tests.items():
            probabilities = mix(full[name].parts[settings.encoder_C], settings)
            result[name] = scores(labels, top_labels(full[name].classes, probabilities))
        rows.append({"name": label(settings), "settings": asdict(settings), data.name: result})
    return rows


# --- data ---------------------------------------------------------------------------------


def smp2017(directory: Path, limit: int | None = None) -> Dataset:
    """SMP2017-ECDT: train + develop to cross-validate, test to score (``limit`` per label)."""
    from bot.nlu.intent_ensemble import prepare
    from bot.nlu.sentence_encoder import embed

    splits = [load_split(directory, "train", limit), load_split(directory, "develop", limit)]
    training = pairs(merge(splits))
    test = pairs(load_split(directory, "test", limit))
    texts = [prepare(t) for t, _ in training]
    test_texts = [prepare(t) for t, _ in test]
    return Dataset(
        "smp2017",
        texts,
        [label for _, label in training],
        embed([t for t, _ in training]),
        {"test": (test_texts, [label for _, label in test], embed([t for t, _ in test]))},
    )


def rasa_examples(path: Path, types: Sequence[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Prepared texts (entities masked), labels and embeddings of Rasa NLU files."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.intent_ensemble import label_of, prepare
    from bot.nlu.sentence_encoder import embed

    examples = [m for m in load_data(str(path)).intent_examples if m.get("text")]
    texts = [prepare(m.get("text"), m.get("entities"), types) for m in examples]
    labels = [str(label_of(m)) for m in examples]
    return texts, labels, embed([str(m.get("text")) for m in examples])


def product(mask_types: Sequence[str]) -> Dataset:
    """The product's training examples; each held-out file scored on its own."""
    texts, labels, vectors = rasa_examples(PRODUCT_NLU, mask_types)
    tests = {
        path.stem: rasa_examples(path, mask_types) for path in sorted(PRODUCT_HELDOUT.glob("*.yml"))
    }
    return Dataset("product", texts, labels, vectors, tests)


def mask_types_of(config: Path) -> list[str]:
    """The entity types the project's IntentEnsemble masks."""
    import yaml

    pipeline = yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline") or []
    for component in pipeline:
        if str(component.get("name", "")).endswith("IntentEnsemble"):
            return [str(t) for t in component.get("mask_entities") or []]
    return []


# --- the grid -----------------------------------------------------------------------------


#: The encoder's shares and settings tried on top of each heavy setting (cheap: no refit).
ENCODER_SHARES = (0.2, 0.35, 0.5)
ENCODER_CS = (10.0, 100.0)
NEAREST_SHARES = (0.15, 0.3)
TEMPS = (0.02, 0.05)


def heavy_settings(
    quick: bool, appends: Sequence[float] | None = None, cs: Sequence[float] | None = None
) -> list[IntentModelSettings]:
    """The settings that need the n-gram regression fitted again: appended weight and C."""
    weights = appends or ((0.0, 1.0, 2.0) if not quick else (0.0, 1.0))
    return [
        IntentModelSettings(encoder_weight=w, C=c)
        for c in cs or (IntentModelSettings().C,)
        for w in weights
    ]


def floats(text: str) -> list[float]:
    """``"0.5,1"`` → ``[0.5, 1.0]``."""
    return [float(item) for item in text.split(",") if item.strip()]


def label(settings: IntentModelSettings) -> str:
    """A short name of a setting, for the table."""
    name = f"ng1-{settings.max_ngram} C{settings.C:g} append{settings.encoder_weight:g}"
    if settings.encoder_classifier_weight > 0:
        name += f" reg{settings.encoder_classifier_weight:g}/C{settings.encoder_C:g}"
    if settings.neighbour_weight > 0:
        name += f" nn{settings.neighbour_weight:g}/t{settings.neighbour_temperature:g}"
    return name


def main(argv: list[str] | None = None) -> int:
    """Run the grid on both data sets, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SMP2017 folder")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--quick", action="store_true", help="a small grid (for tests)")
    parser.add_argument(
        "--datasets", default="smp2017,product", help="comma-separated: smp2017, product"
    )
    parser.add_argument("--appends", type=floats, help="appended weights, e.g. 0.7,1.4")
    parser.add_argument("--cs", type=floats, help="C of the n-gram regression, e.g. 100,200")
    parser.add_argument("--limit", type=int, help="SMP2017: first N utterances per label")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    wanted = [d.strip() for d in args.datasets.split(",") if d.strip()]
    if not wanted or set(wanted) - {"smp2017", "product"}:
        parser.error("--datasets: smp2017 and/or product")

    from bot.nlu.sentence_encoder import embed

    before = rss_mb()
    embed(["你好"])  # loads the encoder
    encoder_mb = rss_mb() - before
    print(f"the encoder added {encoder_mb} MB RSS to this process", flush=True)
    started = time.perf_counter()
    datasets = []
    if "smp2017" in wanted:
        datasets.append(smp2017(args.data, args.limit))
    if "product" in wanted:
        datasets.append(product(mask_types_of(args.config)))
    print(f"embedded in {time.perf_counter() - started:.0f} s", flush=True)

    merged: dict[str, dict[str, Any]] = {}
    for heavy in heavy_settings(args.quick, args.appends, args.cs):
        for data in datasets:
            fitted = time.perf_counter()
            for row in evaluate(data, heavy):
                merged.setdefault(row["name"], {"name": row["name"], "settings": row["settings"]})
                merged[row["name"]][data.name] = row[data.name]
            print(
                f"{label(heavy)} on {data.name}: {time.perf_counter() - fitted:.0f} s", flush=True
            )
    rows = list(merged.values())
    for row in rows:
        print(summary_line(row, datasets))

    best = {
        data.name: max(rows, key=lambda r, d=data.name: r[d]["cv"]["macro_f1"])["name"]
        for data in datasets
    }
    if len(datasets) > 1:  # one configuration serves both: the best mean (config.yml's rule)
        best["mean"] = max(rows, key=lambda r: sum(r[d.name]["cv"]["macro_f1"] for d in datasets))[
            "name"
        ]
    for name, winner in best.items():
        print(f"best by {name} CV macro-F1: {winner}")
    report = {
        "benchmark": "intent model settings by 5-fold cross-validation",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "folds": FOLDS,
        "seed": SEED,
        "counts": {
            d.name: {"cv": len(d.texts), **{k: len(v[0]) for k, v in d.tests.items()}}
            for d in datasets
        },
        "best_by_cv": best,
        "encoder_rss_mb": encoder_mb,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {args.out}")
    return 0


def rss_mb() -> int:
    """This process's resident set size in MB (Linux)."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return int(status.split("VmRSS:")[1].split()[0]) // 1024


def summary_line(row: dict[str, Any], datasets: list[Dataset]) -> str:
    """One printed line per setting: CV and scored-split figures of each data set."""
    cells = [f"{row['name']:<36}"]
    for data in datasets:
        result = row[data.name]
        cells.append(f"{data.name} CV {result['cv']['macro_f1']:.3f}")
        if data.name == "product":
            cells.append(f"(intent {result['cv']['intent_macro_f1']:.3f})")
        for split in data.tests:
            cells.append(f"{split} {result[split]['macro_f1']:.3f}")
            if data.name == "product":
                cells.append(f"(intent {result[split]['intent_macro_f1']:.3f})")
    return "  ".join(cells)


if __name__ == "__main__":
    raise SystemExit(main())

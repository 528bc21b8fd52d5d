"""Intent accuracy, training time and parse latency on a public Chinese benchmark.

SMP2017-ECDT task 1: 31 intent classes of short Chinese utterances (train, develop and test
splits, one file per label; see the README next to the data). The data is converted at run
time into Rasa NLU YAML in a temporary directory; each configuration is trained with
``rasa train nlu`` in a subprocess and scored in this process: accuracy, macro-F1, per-class
precision/recall/F1, training seconds, model size and per-message parse latency.

Usage:

- ``python bench/nlu_benchmark.py`` (``make bench-nlu``): ``project`` and ``baseline``,
  trained on train + develop, scored on test.
- ``python bench/nlu_benchmark.py --eval develop --configs project,variant.yml``: trained on
  train, scored on develop.
- ``--limit 2 --epochs 1``: a tiny slice, for the test of this script.

Goals: issue 7 asked for macro-F1 >= 0.95 on test, training <= 5 min and p95 parse latency
<= 20 ms on this 2-core machine; issue 16 raised the macro-F1 goal to 0.955 with the sentence
encoder. Choices are made without test: n-gram variants with ``--eval develop``, the encoder's
shares by 5-fold cross-validation on train + develop (``bench/intent_cv.py``); test is scored
once per configuration that is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "smp2017-ecdt-task1"
#: ``--eval`` mode → (splits trained on, split scored).
EVAL_MODES: dict[str, tuple[tuple[str, ...], str]] = {
    "develop": (("train",), "develop"),
    "test": (("train", "develop"), "test"),
}
BUILTIN_CONFIGS = ("project", "baseline")

# Components of config.yml taken out of the ``project`` configuration: the benchmark has no
# FAQ answers, regexes, lookup tables, devices, dates, entities or synonyms for them to learn
# or find, and the FallbackClassifier is removed because the raw top intent is scored.
# DIETClassifier goes too when the IntentEnsemble does not use it (see ``diet_unused``).
REMOVED_COMPONENTS = (
    "ResponseSelector",
    "RegexFeaturizer",
    "RegexEntityExtractor",
    "bot.nlu.service_keywords.ServiceKeywordPatterns",
    "CRFEntityExtractor",
    "bot.nlu.device_ruler.DeviceEntityRuler",
    "bot.nlu.date_extractor.ChineseDateExtractor",
    "bot.nlu.entity_merger.EntityMerger",
    "EntitySynonymMapper",
    "FallbackClassifier",
)
DIET = "DIETClassifier"
ENSEMBLE = "IntentEnsemble"
#: Components that take an ``epochs`` setting even where the config does not give one.
EPOCH_COMPONENTS = ("DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy")
NO_INTENT = "(none)"


class DataError(Exception):
    """The benchmark data is missing or not as described in its README."""


# --- data ---------------------------------------------------------------------------------


def label_of(path: Path) -> str:
    """The label of a data file: its name after the first ``_`` (``train_train.txt``: train)."""
    _, separator, label = path.stem.partition("_")
    if not separator or not label:
        raise DataError(f"{path}: expected a file name like <split>_<label>.txt")
    return label


def read_utterances(path: Path) -> list[str]:
    """The utterances of one file: stripped, blank lines skipped, duplicates kept once."""
    text = path.read_text(encoding="utf-8-sig")
    seen: dict[str, None] = {}
    for line in text.split("\n"):
        utterance = line.strip()
        if utterance:
            seen.setdefault(utterance, None)
    return list(seen)


def load_split(data: Path, split: str, limit: int | None = None) -> dict[str, list[str]]:
    """Utterances per label of one split (the first ``limit`` of each label when given)."""
    directory = data / split
    if not directory.is_dir():
        raise DataError(f"no {split} split: {directory} is not a directory")
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise DataError(f"no {split} split: no .txt files in {directory}")
    examples: dict[str, list[str]] = {}
    for path in files:
        label = label_of(path)
        if label in examples:
            raise DataError(f"{path}: a second file for label {label!r}")
        examples[label] = read_utterances(path)[:limit]
    return examples


def merge(splits: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    """Several splits as one: utterances per label, duplicates within a label kept once."""
    merged: dict[str, dict[str, None]] = {}
    for split in splits:
        for label, texts in split.items():
            for text in texts:
                merged.setdefault(label, {}).setdefault(text, None)
    return {label: list(texts) for label, texts in merged.items()}


def pairs(examples: dict[str, list[str]]) -> list[tuple[str, str]]:
    """``(text, label)`` for every utterance, labels in sorted order."""
    return [(text, label) for label in sorted(examples) for text in examples[label]]


def survives_yaml(text: str) -> bool:
    """Whether Rasa's YAML reader gives ``text`` back unchanged and without entities.

    Rasa 3.6 has no escape for its entity markup: ``[a](b)``, ``[a]{...}`` and ``[a][...]``
    are always read as annotations. A multi-line text or outer spaces would not survive
    either.
    """
    from rasa.shared.nlu.training_data.entities_parser import ENTITY_REGEX
    from rasa.shared.nlu.training_data.formats.rasa_yaml import STRIP_SYMBOLS

    return (
        ENTITY_REGEX.search(text) is None
        and len(text.splitlines()) == 1
        and text == text.strip(STRIP_SYMBOLS)
    )


def write_training_data(examples: dict[str, list[str]], directory: Path) -> Path:
    """Write the examples as Rasa NLU training data in ``directory``; the directory.

    ``nlu.yml`` is written by Rasa's own ``RasaYAMLWriter``. Texts the YAML reader would
    change (see ``survives_yaml``) go to ``nlu_verbatim.json`` (Rasa's JSON format, which keeps
    text and entities apart) so that every text is trained on exactly as it is. The result is
    read back with Rasa's loader and compared.
    """
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    directory.mkdir(parents=True, exist_ok=True)
    plain: list[Message] = []
    verbatim: list[Message] = []
    for text, label in pairs(examples):
        message = Message.build(text=text, intent=label)
        (plain if survives_yaml(text) else verbatim).append(message)
    if plain:
        yaml_text = RasaYAMLWriter().dumps(TrainingData(plain))
        (directory / "nlu.yml").write_text(yaml_text, encoding="utf-8")
    if verbatim:
        json_text = TrainingData(verbatim).nlu_as_json()
        (directory / "nlu_verbatim.json").write_text(json_text, encoding="utf-8")
    loaded = load_data(str(directory))
    got = sorted(
        (m.get("text"), m.get("intent"), bool(m.get("entities"))) for m in loaded.intent_examples
    )
    if got != sorted((text, label, False) for text, label in pairs(examples)):
        raise DataError(f"the training data written to {directory} does not read back the same")
    return directory


# --- configurations -----------------------------------------------------------------------


def baseline_config() -> dict[str, Any]:
    """Stock Rasa as the benchmark's README measured it (DIET 60 epochs, a fixed seed)."""
    return {
        "recipe": "default.v1",
        "assistant_id": "smp2017-baseline",
        "language": "zh",
        "pipeline": [
            {"name": "JiebaTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {
                "name": "CountVectorsFeaturizer",
                "analyzer": "char_wb",
                "min_ngram": 1,
                "max_ngram": 4,
            },
            {"name": DIET, "epochs": 60, "random_seed": 42},
        ],
    }


def short_name(component: dict[str, Any]) -> str:
    """A component's class name (``rasa.nlu...DIETClassifier`` and ``DIETClassifier`` alike)."""
    return str(component.get("name", "")).rsplit(".", 1)[-1]


def diet_unused(pipeline: list[dict[str, Any]]) -> bool:
    """Whether DIET's output goes unused on this benchmark.

    The benchmark has no entities, and an ``IntentEnsemble`` with ``diet_weight: 0`` ignores
    DIET's intents (it decides alone when there is no DIET ranking), so DIET would train for
    nothing. In the product DIET stays: it finds the entities.
    """
    from bot.nlu.intent_ensemble import IntentEnsemble

    default = IntentEnsemble.get_default_config()["diet_weight"]
    return any(
        short_name(c) == ENSEMBLE and float(c.get("diet_weight", default)) == 0.0 for c in pipeline
    )


def project_config(config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The NLU configuration benchmarked as ``project``, and the components dropped from it.

    Same language and pipeline as ``config`` (settings included) without
    ``REMOVED_COMPONENTS``, and without DIETClassifier when ``diet_unused``; no policies.
    """
    pipeline = config.get("pipeline") or []
    removed = set(REMOVED_COMPONENTS) | ({DIET} if diet_unused(pipeline) else set())
    derived = {
        "recipe": config.get("recipe", "default.v1"),
        "assistant_id": "smp2017-project",
        "language": config.get("language"),
        "pipeline": [copy.deepcopy(c) for c in pipeline if c.get("name") not in removed],
    }
    dropped = [str(c.get("name")) for c in pipeline if c.get("name") in removed]
    return derived, dropped


def override_epochs(config: dict[str, Any], epochs: int) -> dict[str, Any]:
    """A copy of ``config`` where every component that has or takes epochs trains ``epochs``."""
    result = copy.deepcopy(config)
    for key in ("pipeline", "policies"):
        for component in result.get(key) or []:
            if "epochs" in component or short_name(component) in EPOCH_COMPONENTS:
                component["epochs"] = epochs
    return result


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; ``DataError`` when it is missing or not a mapping."""
    if not path.is_file():
        raise DataError(f"no configuration file at {path}")
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(content, dict) or not content.get("pipeline"):
        raise DataError(f"{path}: not a Rasa configuration with a pipeline")
    return content


def configurations(
    items: list[str], project_file: Path, epochs: int | None
) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Name → (configuration, dropped components) for each ``--configs`` item, in order."""
    result: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for item in items:
        dropped: list[str] = []
        if item == "project":
            config, dropped = project_config(read_yaml(project_file))
        elif item == "baseline":
            config = baseline_config()
        else:
            config = read_yaml(Path(item))
        name = item if item in BUILTIN_CONFIGS else Path(item).stem
        while name in result:
            name += "+"
        if epochs is not None:
            config = override_epochs(config, epochs)
        result[name] = (config, dropped)
    return result


# --- metrics ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linearly interpolated between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def metrics(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class scores over the labels present in ``gold``.

    The per-class rows and macro-F1 are the held-out evaluation's (``label_scores``).
    """
    from bot.trainer.scores import label_scores

    scores = label_scores(gold, predicted)
    right = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "accuracy": right / len(gold) if gold else 0.0,
        "macro_f1": float(scores["macro_f1"]),
        "per_class": scores["labels"],
    }


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and max of parse times, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "max": max(ms)}


# --- training and scoring -----------------------------------------------------------------


def train(config: dict[str, Any], nlu: Path, work: Path, name: str) -> tuple[float, int, str, Path]:
    """Train with ``rasa train nlu`` in a subprocess; seconds, exit code, output, model file.

    Rasa's cache goes to a directory of its own in ``work``, so every configuration trains
    from scratch and the project's cache is untouched.
    """
    from bot.trainer.sandbox import run

    config_file = work / f"{name}.config.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    models = work / "models"
    command = [
        "-m", "rasa", "train", "nlu", "--config", str(config_file),
        "--nlu", str(nlu), "--out", str(models), "--fixed-model-name", name,
    ]  # fmt: skip
    result = run(ROOT, command, env={"RASA_CACHE_DIRECTORY": str(work / f"{name}.cache")})
    return result.seconds, result.returncode, result.output, models / f"{name}.tar.gz"


async def parse_timed(model: Path, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    """Load ``model``, parse once to warm up, then parse each text; parses and seconds."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level otherwise
    agent = Agent.load(str(model))
    await agent.parse_message(texts[0])
    parses: list[dict[str, Any]] = []
    seconds: list[float] = []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        seconds.append(time.perf_counter() - started)
    return parses, seconds


async def parse_all(model: Path, texts: list[str]) -> tuple[list[str], list[float]]:
    """Load ``model``, parse once to warm up, then parse each text; intents and seconds."""
    parses, seconds = await parse_timed(model, texts)
    predicted = [str((p.get("intent") or {}).get("name") or NO_INTENT) for p in parses]
    return predicted, seconds


def score(model: Path, evaluation: list[tuple[str, str]]) -> dict[str, Any]:
    """Metrics, latency, model size and the misclassified examples of one trained model."""
    texts = [text for text, _ in evaluation]
    gold = [label for _, label in evaluation]
    predicted, seconds = asyncio.run(parse_all(model, texts))
    errors = [
        {"text": t, "gold": g, "predicted": p}
        for t, g, p in zip(texts, gold, predicted, strict=True)
        if g != p
    ]
    return {
        **metrics(gold, predicted),
        "latency_ms": latency_summary(seconds),
        "model_bytes": model.stat().st_size,
        "error_count": len(errors),
        "errors": errors,
    }


def run_configuration(
    name: str, config: dict[str, Any], nlu: Path, work: Path, evaluation: list[tuple[str, str]]
) -> dict[str, Any]:
    """Train and score one configuration; its result row (``ok`` False when it failed)."""
    print(f"\n== {name}: training", flush=True)
    seconds, code, output, model = train(config, nlu, work, name)
    row: dict[str, Any] = {"ok": False, "train_s": round(seconds, 1)}
    if code != 0 or not model.is_file():
        tail = output[-2000:]
        print(f"{name}: training failed (exit code {code}):\n{tail}", flush=True)
        row["failure"] = f"training exit code {code}: {tail}"
        return row
    print(f"trained in {seconds:.0f} s; parsing {len(evaluation)} messages", flush=True)
    try:
        row.update(score(model, evaluation))
    except Exception as error:  # any failure of Rasa or the model: report this row as failed
        print(f"{name}: scoring failed: {error!r}", flush=True)
        row["failure"] = f"scoring: {error!r}"
        return row
    row["ok"] = True
    row["model"] = str(model)
    print(
        f"accuracy {row['accuracy']:.3f}, macro-F1 {row['macro_f1']:.3f}, "
        f"p95 {row['latency_ms']['p95']:.1f} ms",
        flush=True,
    )
    return row


# --- report -------------------------------------------------------------------------------


def _cell(row: dict[str, Any], key: str) -> str:
    if not row["ok"]:
        return "failed" if key != "train_s" else f"{row['train_s']:.0f}"
    values = {
        "accuracy": f"{row.get('accuracy', 0):.3f}",
        "macro_f1": f"{row.get('macro_f1', 0):.3f}",
        "train_s": f"{row['train_s']:.0f}",
        "model_mb": f"{row.get('model_bytes', 0) / 1e6:.1f}",
        "p50": f"{row.get('latency_ms', {}).get('p50', 0):.1f}",
        "p95": f"{row.get('latency_ms', {}).get('p95', 0):.1f}",
    }
    return values[key]


def print_tables(rows: dict[str, dict[str, Any]], labels: list[str]) -> None:
    """The side-by-side summary, per-class F1 and error counts."""
    names = list(rows)
    width = max(10, *(len(n) + 2 for n in names))
    header = f"{'':<16}" + "".join(f"{n:>{width}}" for n in names)
    print("\n" + header)
    for key, title in [
        ("accuracy", "accuracy"),
        ("macro_f1", "macro-F1"),
        ("train_s", "training s"),
        ("model_mb", "model MB"),
        ("p50", "p50 ms"),
        ("p95", "p95 ms"),
    ]:
        print(f"{title:<16}" + "".join(f"{_cell(rows[n], key):>{width}}" for n in names))
    print("\nper-class F1\n" + header)
    for label in labels:
        cells = [
            f"{rows[n]['per_class'][label]['f1-score']:.3f}" if rows[n]["ok"] else "-"
            for n in names
        ]
        print(f"{label:<16}" + "".join(f"{c:>{width}}" for c in cells))
    print()
    for name in names:
        row = rows[name]
        errors = f"{row['error_count']} errors" if row["ok"] else "failed"
        print(f"{name}: {errors}")


def main(argv: list[str] | None = None) -> int:
    """Convert the data, train and score each configuration, print tables, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the benchmark folder")
    parser.add_argument(
        "--eval",
        choices=sorted(EVAL_MODES),
        default="test",
        help="develop: train on train, score develop (for choices); "
        "test: train on train+develop, score test",
    )
    parser.add_argument(
        "--configs",
        default=",".join(BUILTIN_CONFIGS),
        help="comma-separated: project, baseline or paths of Rasa config files",
    )
    parser.add_argument("--project-config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--epochs", type=int, help="epochs of every component that has epochs")
    parser.add_argument("--limit", type=int, help="first N utterances per label and split")
    parser.add_argument("--keep-models", type=Path, help="copy the trained models here")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/nlu_smp2017.json")
    args = parser.parse_args(argv)
    items = [c.strip() for c in args.configs.split(",") if c.strip()]
    if not items:
        parser.error("--configs names no configuration")
    for value, option in ((args.epochs, "--epochs"), (args.limit, "--limit")):
        if value is not None and value < 1:
            parser.error(f"{option} must be at least 1")

    train_splits, eval_split = EVAL_MODES[args.eval]
    try:
        loaded = {s: load_split(args.data, s, args.limit) for s in (*train_splits, eval_split)}
        configs = configurations(items, args.project_config, args.epochs)
    except (DataError, OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    training = merge(loaded[s] for s in train_splits)
    evaluation = pairs(loaded[eval_split])
    labels = sorted(set(training) | set(loaded[eval_split]))
    train_texts = {text for text, _ in pairs(training)}
    counts = {
        "labels": len(labels),
        "per_split": {s: sum(len(t) for t in loaded[s].values()) for s in loaded},
        "training": sum(len(t) for t in training.values()),
        "evaluation": len(evaluation),
        "evaluation_texts_also_in_training": sum(t in train_texts for t, _ in evaluation),
    }
    print(
        f"SMP2017-ECDT task 1: train on {'+'.join(train_splits)} ({counts['training']}), "
        f"score {eval_split} ({counts['evaluation']}), {len(labels)} labels",
        flush=True,
    )
    for name, (_, dropped) in configs.items():
        if dropped:
            print(f"{name}: dropped {', '.join(dropped)}", flush=True)

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        work = Path(tmp)
        try:
            nlu = write_training_data(training, work / "data")
        except DataError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for name, (config, _) in configs.items():
            rows[name] = run_configuration(name, config, nlu, work, evaluation)
            if args.keep_models and rows[name]["ok"]:
                args.keep_models.mkdir(parents=True, exist_ok=True)
                kept = shutil.copy2(rows[name]["model"], args.keep_models)
                rows[name]["model"] = str(kept)
            elif "model" in rows[name]:
                del rows[name]["model"]

    print_tables(rows, labels)
    report = {
        "benchmark": "SMP2017-ECDT task 1",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data": str(args.data),
        "eval": args.eval,
        "train_splits": list(train_splits),
        "eval_split": eval_split,
        "limit": args.limit,
        "epochs": args.epochs,
        "counts": counts,
        "configurations": {
            name: {"config": configs[name][0], "dropped": configs[name][1], **rows[name]}
            for name in configs
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0 if all(row["ok"] for row in rows.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""How long a trainer waits: full training, and from adding an example to an answer from it.

Usage: ``python bench/training_speed.py [--configs project,before] [--skip-eval]``
(``make bench-training`` runs both). Each configuration gets its own temporary copy of the
project (``bot.trainer.sandbox``), so the real model, data and Rasa cache are untouched:

- ``project``: ``config.yml`` as it is (no TensorFlow component);
- ``before``: ``bench/lean/before.yml`` (DIET, ResponseSelector, TED) copied over the copy's
  ``config.yml``.

Two scenarios, each run for every configuration before the next scenario starts, so that
both configurations meet a similar machine:

1. ``full``: ``bot.trainer.train --force``, every component from scratch (what CI and a
   release do).
2. ``example added``: one example added to ``fault_battery``, then ``bot.trainer.train`` with
   Rasa's cache on, as a trainer runs it; then the model is loaded in a fresh process and
   answers the new example. The trainer's wait is the training plus the loading and answering.

For every model it prints the training time, the time to load it and answer, the predicted
intent and, unless ``--skip-eval``, the held-out intent macro-F1 and entity F1 (scored after
all timings), so that speed is never bought with quality unseen. Then the ratios project /
before of the full training time and of the trainer's wait. The rows and ratios go to
``bench/results/training_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import run_stamp  # noqa: E402
from bot.trainer.sandbox import copy_project, run  # noqa: E402

CONFIGS = {"project": ROOT / "config.yml", "before": ROOT / "bench" / "lean" / "before.yml"}
# The example a trainer adds, and the intent it belongs to.
EXAMPLE = "充满电用半天就没电了呀"
INTENT = "fault_battery"
TRAIN = ["-m", "bot.trainer.train"]
SCENARIOS = {"full": [*TRAIN, "--force"], "example added": TRAIN}
TIMEOUT = 3600  # seconds for one training


def add_example(project: Path, text: str) -> None:
    """Add one training example to ``fault_battery`` the way a trainer would."""
    from bot.trainer.nlu_files import append_examples

    append_examples(project / "bot" / "data" / "nlu" / "faults.yml", INTENT, [text])


def load_and_answer(project: Path, model: Path, text: str) -> tuple[float, str]:
    """Seconds to load ``model`` in a fresh process and parse ``text``; the predicted intent."""
    script = (
        "import asyncio, json, time, sys\n"
        "t = time.monotonic()\n"
        "from rasa.core.agent import Agent\n"
        f"agent = Agent.load({str(model)!r})\n"
        f"parse = asyncio.run(agent.parse_message({text!r}))\n"
        "result = {'seconds': time.monotonic() - t, 'intent': parse['intent']['name']}\n"
        "print('RESULT', json.dumps(result))\n"
    )
    result = run(project, ["-c", script])
    lines = [line for line in result.output.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        return float("nan"), f"error: {result.output[-200:]}"
    data = json.loads(lines[-1].removeprefix("RESULT "))
    return float(data["seconds"]), str(data["intent"])


def heldout_scores(model: Path, out: Path) -> dict[str, float]:
    """Held-out intent macro-F1 and entity F1 of ``model``."""
    from bot.trainer.evaluate import evaluate
    from bot.trainer.paths import HELDOUT

    summary = evaluate(model, HELDOUT, out)
    return {"intent_macro_f1": summary["intent_macro_f1"], "entity_f1": summary["entity_f1"]}


def prepare(folder: Path, config: str) -> Path:
    """A copy of the project in ``folder`` whose ``config.yml`` is configuration ``config``."""
    project = copy_project(folder)
    shutil.copy2(CONFIGS[config], project / "config.yml")
    return project


def measure(project: Path, config: str, scenario: str) -> dict[str, Any]:
    """Run one scenario in ``project``: train, keep the model, load it and answer."""
    if scenario == "example added":
        add_example(project, EXAMPLE)
    command = SCENARIOS[scenario]
    print(f"\n== {config}, {scenario}: {' '.join(command[1:])}", flush=True)
    row: dict[str, Any] = {"config": config, "scenario": scenario, "ok": False}
    # The copy's own Rasa cache, whatever this process's environment says.
    env = {"RASA_CACHE_DIRECTORY": str(project / ".rasa" / "cache")}
    try:
        result = run(project, command, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        row["error"] = f"training ran longer than {TIMEOUT} s"
        print(row["error"], flush=True)
        return row
    row["train_s"] = round(result.seconds, 1)
    print(f"trained in {result.seconds:.0f} s, exit code {result.returncode}", flush=True)
    if result.returncode != 0:
        row["error"] = result.output[-1500:]
        print(row["error"], flush=True)
        return row
    models = project / "bot" / "models"
    kept = models / f"{scenario.replace(' ', '_')}.tar.gz"
    shutil.copy2(models / "shouhou.tar.gz", kept)
    load_s, intent = load_and_answer(project, kept, EXAMPLE)
    row.update(
        ok=not math.isnan(load_s),
        model=str(kept),
        load_s=round(load_s, 1),
        wait_s=round(result.seconds + load_s, 1),
        answer=intent,
    )
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def ratios(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The ratios project / before: full training time, trainer's wait (where both ran)."""
    found = {(r["config"], r["scenario"]): r for r in rows if r["ok"]}
    wanted = {"full_train": ("full", "train_s"), "trainer_wait": ("example added", "wait_s")}
    result = {}
    for name, (scenario, key) in wanted.items():
        project, before = found.get(("project", scenario)), found.get(("before", scenario))
        if project and before:
            result[name] = round(project[key] / before[key], 3)
    return result


def _number(row: dict[str, Any], key: str, digits: int) -> str:
    value = row.get(key)
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]], found: dict[str, float]) -> None:
    """The rows as a table, then the ratios."""
    print(f"\n{'config':<9}{'scenario':<15}{'train s':>8}{'load s':>8}{'wait s':>8}  ", end="")
    print(f"{'answer':<15}{'intent F1':>10}{'entity F1':>10}")
    for row in rows:
        print(f"{row['config']:<9}{row['scenario']:<15}", end="")
        if "train_s" not in row or "load_s" not in row:
            print(f"  failed: {row.get('error', row.get('answer', ''))[-160:]!r}")
            continue
        print(
            f"{_number(row, 'train_s', 0):>8}{_number(row, 'load_s', 0):>8}"
            f"{_number(row, 'wait_s', 0):>8}  {row['answer'][:14]:<15}"
            f"{_number(row, 'intent_macro_f1', 3):>10}{_number(row, 'entity_f1', 3):>10}"
        )
    labels = {"full_train": "full training", "trainer_wait": "trainer's wait (example added)"}
    for name, value in found.items():
        print(f"project / before, {labels[name]}: {value:.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run every scenario for every configuration; print a table; write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-eval", action="store_true", help="no held-out scores")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/training_speed.json")
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated, of: {','.join(CONFIGS)}",
    )
    args = parser.parse_args(argv)
    wanted = list(dict.fromkeys(c.strip() for c in args.configs.split(",") if c.strip()))
    unknown = [c for c in wanted if c not in CONFIGS]
    if unknown or not wanted:
        known = ", ".join(CONFIGS)
        parser.error(f"unknown or no configurations: {', '.join(unknown)} (known: {known})")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="shouhou-bench-") as tmp:
        projects = {config: prepare(Path(tmp) / config, config) for config in wanted}
        for scenario in SCENARIOS:
            for config in wanted:
                rows.append(measure(projects[config], config, scenario))
        if not args.skip_eval:
            for row in rows:
                if row.get("model"):
                    name = f"{row['config']}_{row['scenario'].replace(' ', '_')}"
                    try:
                        row.update(heldout_scores(Path(row["model"]), Path(tmp) / name))
                    except (subprocess.CalledProcessError, RuntimeError) as exc:
                        row["eval_error"] = str(exc)
                        print(f"held-out scores of {name} failed: {exc}", flush=True)
        for row in rows:
            row.pop("model", None)
    found = ratios(rows)
    print_table(rows, found)
    report = {**run_stamp(), "example": EXAMPLE, "intent": INTENT, "rows": rows, "ratios": found}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

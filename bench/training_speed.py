"""How long a trainer waits: full training, and from adding an example to talking to the model.

Usage: ``python bench/training_speed.py [--skip-eval] [--scenarios full,quick,...]
[--full-model bot/models/shouhou.tar.gz]`` (``make bench-training`` runs them all). Works in
a temporary copy of the project, so the real model, data and Rasa cache are untouched. In
order:

1. ``full``: ``bot.trainer.train --force``, from scratch with ``config.yml`` (what CI and a
   release do).
2. ``full, cached``: one example added to ``fault_battery``, then ``bot.trainer.train``: Rasa's
   cache reuses what the change does not reach (the dialogue policies).
3. ``quick``: one more example, ``bot.trainer.train --quick`` (``QUICK_EPOCHS``).
4. ``quick, cached``: one more example, quick again: the quick pipeline's cache is warm.
5. ``finetune``: one more example, ``rasa train --finetune <full model> --epoch-fraction 0.2``
   (the ``full`` scenario's model, or ``--full-model``).

For each it prints the training time, the time to load the model and answer the new example
(the rest of the wait before the trainer can talk to it), and, unless ``--skip-eval``, the
held-out intent macro-F1 and entity F1 of the model, so that speed is never bought with
quality unseen.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.trainer.sandbox import copy_project, run  # noqa: E402

EXAMPLES = [
    "充满电用半天就没电了呀",
    "电池掉电比以前快了好多",
    "一晚上待机掉了百分之三十的电",
    "电池不耐用，一天要充三次",
]
SCENARIOS = ("full", "full cached", "quick", "quick cached", "finetune")
FINETUNE_FRACTION = 0.2
FINETUNE = [
    "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
    "--data", "bot/data/nlu", "bot/data/rules", "bot/data/stories",
    "--out", "bot/models", "--fixed-model-name", "shouhou",
    "--epoch-fraction", str(FINETUNE_FRACTION),
]  # fmt: skip


def add_example(project: Path, text: str) -> None:
    """Add one training example to ``fault_battery`` the way a trainer would."""
    from bot.trainer.nlu_files import append_examples

    append_examples(project / "bot" / "data" / "nlu" / "faults.yml", "fault_battery", [text])


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


def scenario(
    project: Path, name: str, command: list[str], text: str | None, evaluate_model: bool
) -> dict[str, Any]:
    """Add ``text`` (if any), train with ``command``, load and answer; one result row."""
    if text:
        add_example(project, text)
    print(f"\n== {name}: {' '.join(command[-4:])}", flush=True)
    result = run(project, command)
    seconds, code, output = result.seconds, result.returncode, result.output
    row: dict[str, Any] = {"scenario": name, "train_s": round(seconds, 1), "ok": code == 0}
    print(f"trained in {seconds:.0f} s, exit code {code}", flush=True)
    if code != 0:
        row["error"] = output[-1500:]
        print(output[-1500:], flush=True)
        return row
    model = project / "bot" / "models" / "shouhou.tar.gz"
    kept = project / "bot" / "models" / f"{name.replace(' ', '_').replace(',', '')}.tar.gz"
    shutil.copy2(model, kept)
    load_s, intent = load_and_answer(project, kept, text or EXAMPLES[0])
    row.update(load_s=round(load_s, 1), wait_s=round(seconds + load_s, 1), answer=intent)
    if evaluate_model:
        row.update(heldout_scores(kept, project / "reports" / name.replace(" ", "_")))
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    """Run every scenario; print a table; write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-eval", action="store_true", help="no held-out scores")
    parser.add_argument("--out", type=Path, default=ROOT / "reports/bench/training_speed.json")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, in this order: {','.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--full-model",
        type=Path,
        help="the full model to fine-tune when the 'full' scenario is not run",
    )
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(wanted) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if "finetune" in wanted and "full" not in wanted and not args.full_model:
        parser.error("finetune needs the 'full' scenario or --full-model")
    evaluate_model = not args.skip_eval
    rows = []
    with tempfile.TemporaryDirectory(prefix="shouhou-bench-") as tmp:
        project = copy_project(Path(tmp))
        models = project / "bot" / "models"
        train = ["-m", "bot.trainer.train"]
        commands = {
            "full": ([*train, "--force"], None),
            "full cached": (train, EXAMPLES[0]),
            "quick": ([*train, "--quick"], EXAMPLES[1]),
            "quick cached": ([*train, "--quick"], EXAMPLES[2]),
        }
        full_model = models / "full.tar.gz"
        if args.full_model:
            shutil.copy2(args.full_model, full_model)
        for name in wanted:
            if name == "finetune":
                add_example(project, EXAMPLES[3])
                command = [*FINETUNE, "--finetune", str(full_model)]
                rows.append(scenario(project, name, command, None, evaluate_model))
            else:
                command, text = commands[name]
                rows.append(scenario(project, name, command, text, evaluate_model))
    print(f"\n{'scenario':<14}{'train s':>9}{'load s':>8}{'wait s':>8}  {'answer':<16}", end="")
    print(f"{'intent F1':>10}{'entity F1':>10}")
    for row in rows:
        if not row["ok"]:
            print(f"{row['scenario']:<14}  failed: {row['error'][-160:]!r}")
            continue
        print(
            f"{row['scenario']:<14}{row['train_s']:>9.0f}{row['load_s']:>8.0f}"
            f"{row['wait_s']:>8.0f}  {row['answer']:<16}"
            f"{row.get('intent_macro_f1', float('nan')):>10.3f}"
            f"{row.get('entity_f1', float('nan')):>10.3f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

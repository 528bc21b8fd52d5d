"""Cold start and memory of the running assistant, project against stock Rasa.

Usage: ``python bench/startup.py`` (``make bench-startup``). For each configuration
(``--configs``, default ``project,stock``; see ``bench/stack.py``):

1. ``--repeats`` times (default 3), the time from starting ``scripts/run.sh`` (what
   ``make run`` runs once the model is trained: migration, action server, Rasa) to the first
   answer on ``POST /webhooks/rest/webhook``; each start has fresh databases and folder.
2. On the last start, the memory of every Rasa process (each Sanic worker) and of the action
   server right after the first answer and again after ``--turns`` turns (default 1,000) of
   whole repair intakes by 4 owners without think time (the owners of ``bench/load.py``).
   RSS counts every page a process has resident; PSS divides shared pages among the processes
   sharing them, so the PSS of several workers adds up to what they really take.

The stock model is trained with ``--stock-epochs`` (default 40) and cached in
``reports/bench/cache/``. Prints a table and writes ``bench/results/startup.json``.
``--quick``: one start and a few turns (for the test of this script).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import load_script, run_owners, summary  # noqa: E402
from bench.stack import (  # noqa: E402
    DEFAULT_STOCK_EPOCHS,
    Stack,
    StackError,
    compare,
    finish,
    parse_configs,
)

TARGETS = {"cold_start_s": 10.0, "rasa_rss_mb": 1024.0}
TURN_OWNERS = 4


def measure(
    model: Path, work: Path, repeats: int, turns: int, workers: int | None
) -> dict[str, Any]:
    """Start the stack ``repeats`` times; memory before and after ``turns`` on the last start.

    Raises:
        StackError: A start failed.
    """
    script = load_script()
    starts: list[float] = []
    result: dict[str, Any] = {}
    for attempt in range(1, repeats + 1):
        stack = Stack(model, work / f"start-{attempt}", workers=workers)
        with stack:
            seconds = stack.start()
            starts.append(round(seconds, 2))
            print(f"  start {attempt}: first REST answer after {seconds:.1f} s", flush=True)
            if attempt < repeats:
                continue
            result["memory_at_start"] = stack.memory()
            prefix = "bench-startup-"
            tally, elapsed = asyncio.run(
                run_owners(stack.url, script, prefix, TURN_OWNERS, turns=turns)
            )
            driven = summary(tally, elapsed, TURN_OWNERS, stack.tickets(prefix))
            result["turns"] = {
                k: driven[k]
                for k in ("turns", "seconds", "turns_per_s", "errors", "intakes_completed")
            }
            result["turns"]["tickets"] = driven["tickets"]
            result["memory_after_turns"] = stack.memory()
    result["start_s"] = {"median": round(statistics.median(starts), 2), "each": starts}
    return result


def targets(result: Mapping[str, Any]) -> dict[str, bool | None]:
    """The issue's targets for one configuration (None when not measured).

    The issue's "Rasa process RSS <= 1 GB" is checked per process (each Sanic worker, and the
    main process) and for the PSS of all of them together: the sum of their RSS counts the
    pages the forked workers share once per worker.
    """
    checks: dict[str, bool | None] = {
        "cold_start": None,
        "rasa_rss_per_process": None,
        "rasa_pss_total": None,
    }
    if "start_s" in result:
        checks["cold_start"] = result["start_s"]["median"] <= TARGETS["cold_start_s"]
    memory = result.get("memory_after_turns")
    if memory:
        checks["rasa_rss_per_process"] = memory["rasa"]["rss_max_mb"] <= TARGETS["rasa_rss_mb"]
        checks["rasa_pss_total"] = memory["rasa"]["pss_total_mb"] <= TARGETS["rasa_rss_mb"]
    return checks


def _cell(result: Mapping[str, Any], key: str) -> str:
    if "error" in result:
        return "failed"
    memory = result.get("memory_after_turns") or {}
    rasa, actions = memory.get("rasa") or {}, memory.get("actions") or {}
    values = {
        "median": result.get("start_s", {}).get("median"),
        "each": " ".join(f"{s:g}" for s in result.get("start_s", {}).get("each", [])),
        "workers": rasa.get("count"),
        "rss_start": (result.get("memory_at_start") or {}).get("rasa", {}).get("rss_total_mb"),
        "rss_total": rasa.get("rss_total_mb"),
        "rss_max": rasa.get("rss_max_mb"),
        "pss_total": rasa.get("pss_total_mb"),
        "actions_rss": actions.get("rss_total_mb"),
        "turns": (result.get("turns") or {}).get("turns"),
        "errors": (result.get("turns") or {}).get("errors"),
    }
    value = values[key]
    return "-" if value is None else str(value)


def table(configurations: Mapping[str, Mapping[str, Any]]) -> str:
    """The side-by-side table."""
    names = list(configurations)
    lines = [f"{'':<34}" + "".join(f"{n:>18}" for n in names)]
    for key, title in [
        ("median", "first answer s, median"),
        ("each", "first answer s, each"),
        ("workers", "Rasa processes"),
        ("rss_start", "Rasa RSS MB at start (total)"),
        ("turns", "turns driven"),
        ("errors", "errors"),
        ("rss_total", "Rasa RSS MB after (total)"),
        ("rss_max", "Rasa RSS MB after (largest)"),
        ("pss_total", "Rasa PSS MB after (total)"),
        ("actions_rss", "action server RSS MB after"),
    ]:
        lines.append(
            f"{title:<34}" + "".join(f"{_cell(configurations[n], key):>18}" for n in names)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure each configuration, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="project,stock", help="project and/or stock")
    parser.add_argument("--repeats", type=int, default=3, help="starts per configuration")
    parser.add_argument("--turns", type=int, default=1000, help="turns before the memory")
    parser.add_argument("--workers", type=int, help="RASA_WORKERS (default: scripts/run.sh's)")
    parser.add_argument("--stock-epochs", type=int, default=DEFAULT_STOCK_EPOCHS)
    parser.add_argument("--quick", action="store_true", help="one start, a few turns")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/startup.json")
    args = parser.parse_args(argv)
    try:
        names = parse_configs(args.configs)
    except ValueError as error:
        parser.error(str(error))
    if args.quick:
        args.repeats, args.turns = 1, 10
    for option in ("repeats", "turns", "stock_epochs", "workers"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")

    def measure_one(_name: str, model: Path, folder: Path, result: dict[str, Any]) -> None:
        result.update(measure(model, folder, args.repeats, args.turns, args.workers))

    configurations, started = compare(
        names,
        prefix="bench-startup-",
        stock_epochs=args.stock_epochs,
        measure=measure_one,
        targets=targets,
        errors=(StackError, OSError, ValueError),
    )
    return finish(
        "startup",
        configurations,
        started=started,
        table=table(configurations),
        options={
            "repeats": args.repeats,
            "turns": args.turns,
            "workers": args.workers,
            "quick": args.quick,
        },
        stock_epochs=args.stock_epochs,
        targets=TARGETS,
        out=args.out,
    )


if __name__ == "__main__":
    raise SystemExit(main())

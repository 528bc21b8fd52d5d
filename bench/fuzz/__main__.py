"""Fuzz every parser and inbound surface with hypothesis: ``python -m bench.fuzz``.

``--examples N`` generated inputs per target (``make bench-fuzz``: 10,000). Parsers are called
directly; the surfaces are the project's channels mounted by Rasa's ``configure_app`` and
served on local ports in this process (see :mod:`bench.fuzz.serving`). A failure is an
exception from a parser, a 5xx, a dropped connection, a server that stops answering, or a
record logged at ERROR (an unhandled exception). Prints inputs, failures and time per target,
writes ``bench/results/fuzz.json``, and exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench.fuzz.harness import Result, run_target  # noqa: E402
from bench.fuzz.parsers import parser_targets  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "results" / "fuzz.json"


def run(
    examples: int,
    *,
    only: set[str] | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> list[Result]:
    """Run the parser targets, then the surface targets, on ``examples`` inputs each."""
    from bench.fuzz.serving import LoopThread, fuzz_environment
    from bench.fuzz.surfaces import SURFACE_NAMES, start_surfaces, surface_targets

    results: list[Result] = []

    def report(result: Result) -> None:
        results.append(result)
        if progress:
            print(_line(result), flush=True)

    for target in parser_targets():
        if only is None or target.name in only:
            report(run_target(target, examples, seed=seed))
    if only is not None and not only & set(SURFACE_NAMES):
        return results
    with (
        tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp,
        fuzz_environment(Path(tmp)) as env,
    ):
        loop = LoopThread()
        try:
            surfaces = start_surfaces(loop, env)
            for target in surface_targets(surfaces, only):
                report(run_target(target, examples, seed=seed, settle=loop.settle))
        finally:
            loop.close()
    return results


def _line(result: Result) -> str:
    top = ", ".join(f"{k} {v}" for k, v in result.outcomes.most_common(4))
    return (
        f"{result.group:8} {result.name:26} {result.inputs:7d} {result.failures:8d} "
        f"{result.seconds:8.1f}  {top}"
    )


def header() -> str:
    """The column titles of the printed table."""
    return f"{'group':8} {'target':26} {'inputs':>7} {'failures':>8} {'time s':>8}  outcomes"


def report(results: list[Result], examples: int, seed: int | None) -> dict[str, Any]:
    """The JSON report."""
    return {
        "benchmark": "fuzz",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "examples_per_target": examples,
        "seed": seed,
        "totals": {
            "targets": len(results),
            "inputs": sum(r.inputs for r in results),
            "failures": sum(r.failures for r in results),
            "seconds": round(sum(r.seconds for r in results), 1),
        },
        "targets": [r.as_json() for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print, write the JSON; 1 if anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per target")
    parser.add_argument("--targets", help="comma-separated target names (default: all)")
    parser.add_argument("--seed", type=int, help="hypothesis seed (default: random)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.examples < 1:
        parser.error("--examples must be at least 1")
    only = {n.strip() for n in args.targets.split(",") if n.strip()} if args.targets else None
    print(header(), flush=True)
    results = run(args.examples, only=only, seed=args.seed)
    if only is not None and {r.name for r in results} != only:
        unknown = sorted(only - {r.name for r in results})
        print(f"unknown targets: {', '.join(unknown)}", file=sys.stderr)
        return 2
    data = report(results, args.examples, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    import json

    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    totals = data["totals"]
    print(
        f"\n{totals['targets']} targets, {totals['inputs']} inputs, "
        f"{totals['failures']} failures in {totals['seconds']} s; written: {args.out}"
    )
    for result in results:
        for example in result.examples[:2]:
            print(f"\n[{result.name}] input: {example['input']}\n{example['error']}")
    short = [r.name for r in results if r.inputs < args.examples]
    if short:
        print(f"fewer inputs than asked (hypothesis ran out of values): {', '.join(short)}")
    return 1 if totals["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

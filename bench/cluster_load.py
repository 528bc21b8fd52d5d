"""``make bench-load TARGET=cluster``: the same owners through the load balancer.

``python bench/load.py --target cluster`` starts ``make run-cluster`` (``bench/cluster_stack.py``:
production profile on this machine's PostgreSQL, Redis and RabbitMQ, HAProxy, its own ports,
database and queue) twice, in one run:

- ``one server``: one Rasa and one action server behind the balancer;
- ``cluster``: two Rasa and two action servers behind it.

Each gets a warm-up and the ``saturation`` scenario of ``bench/load.py`` (closed loop,
``--owners`` owners, ``--duration`` seconds): the ratio of their throughputs is the figure.
Then the cluster runs the ``soak``: ``--soak-owners`` owners (50) with think time for
``--soak-minutes`` (10), one Rasa server killed (``kill -9``) every ``--kill-every`` seconds
(120), alternately. An owner whose turn fails sends it again after a second (once). Reported:
lost and duplicated tickets, failed turns in total and in the minute after each kill, turns
answered on retry, and how long supervisord took to bring each killed server back.
Prints a table and writes ``bench/results/load-cluster.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cluster_stack import ClusterStack  # noqa: E402
from bench.load import (  # noqa: E402
    Probe,
    Script,
    Tally,
    load_script,
    run_owners,
    run_scenarios,
    summary,
    warmup_and_saturation,
)
from bench.stack import (  # noqa: E402
    StackError,
    cpu_by_group,
    finish,
    machine,
    machine_cpu_ticks,
    project_model,
)

KILL_WINDOW_S = 60.0
"""Failed turns this long after a kill are counted against it."""
TARGETS = {"cluster_over_one_server": 1.5, "soak_lost": 0, "soak_duplicated": 0, "kill_failed": 0}


def options(argv: list[str] | None) -> argparse.Namespace:
    """The command line; ``--quick`` shrinks every scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["cluster"], default="cluster")
    parser.add_argument("--owners", type=int, default=16, help="saturation: concurrent owners")
    parser.add_argument("--duration", type=float, default=60.0, help="saturation: seconds")
    parser.add_argument("--warmup", type=int, default=4, help="owners doing one intake first")
    parser.add_argument("--soak-owners", type=int, default=50)
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--kill-every", type=float, default=120.0, help="seconds between kills")
    parser.add_argument("--think-mean", type=float, default=3.0, help="soak: mean think time, s")
    parser.add_argument("--turn-timeout", type=float, default=120.0, help="seconds per turn")
    parser.add_argument("--no-soak", action="store_true", help="saturation only")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/load-cluster.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.owners, args.duration, args.warmup = 2, 4.0, 1
        args.soak_owners, args.soak_minutes, args.kill_every, args.think_mean = 4, 0.5, 10.0, 0.5
    for name in ("owners", "soak_owners"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("duration", "soak_minutes", "kill_every", "think_mean", "turn_timeout"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def kill_windows(
    kills: list[dict[str, Any]], failed_at: list[float], window: float = KILL_WINDOW_S
) -> list[int]:
    """Failed turns within ``window`` seconds after each kill (``kills[i]['at']``, monotonic)."""
    return [sum(1 for t in failed_at if kill["at"] <= t < kill["at"] + window) for kill in kills]


async def soak(
    stack: ClusterStack,
    args: argparse.Namespace,
    script: Script,
    prefix: str,
    numbers: Iterator[int],
) -> tuple[Tally, float, list[dict[str, Any]]]:
    """Owners with think time for ``--soak-minutes`` while Rasa servers are killed in turn."""
    kills: list[dict[str, Any]] = []
    duration = args.soak_minutes * 60
    loop = asyncio.get_running_loop()

    async def back(record: dict[str, Any], index: int) -> None:
        try:
            record["back_after_s"] = round(
                await loop.run_in_executor(
                    None, stack.wait_restarted, record["program"], record["pid"], index, 300.0
                ),
                1,
            )
        except StackError as error:
            record["error"] = str(error)[:300]

    async def killer() -> None:
        programs = itertools.cycle(range(stack.rasa_servers))
        started = time.monotonic()
        waits: list[asyncio.Task[None]] = []
        for n in itertools.count(1):
            at = started + n * args.kill_every  # on schedule, whatever a restart takes
            if at - started >= duration:
                break
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            index = next(programs)
            program = f"rasa-{index + 1}"
            record: dict[str, Any] = {"program": program, "at": time.monotonic()}
            record["pid"] = stack.kill(program)
            kills.append(record)
            print(f"  soak: killed {program} (pid {record['pid']}) at {n * args.kill_every:.0f} s")
            waits.append(asyncio.create_task(back(record, index)))
        await asyncio.gather(*waits)

    kill_task = asyncio.create_task(killer())
    try:
        tally, seconds = await run_owners(
            stack.url,
            script,
            prefix,
            args.soak_owners,
            duration=duration,
            think_mean=args.think_mean,
            turn_timeout=args.turn_timeout,
            numbers=numbers,
            retries=1,
        )
        await asyncio.wait_for(kill_task, 330)  # the last killed server's restart
    finally:
        kill_task.cancel()
    return tally, seconds, kills


def cpu_probe(stack: ClusterStack) -> Probe:
    """The machine's and each process group's CPU during a scenario, and what it stored."""

    def probe(prefix: str) -> Callable[[Tally], tuple[dict[str, Any], str]]:
        groups = stack.cpu_groups()
        busy_before, total_before = machine_cpu_ticks()
        cpu_before = cpu_by_group(groups)

        def measured(tally: Tally) -> tuple[dict[str, Any], str]:
            busy_after, total_after = machine_cpu_ticks()
            cpu_after = cpu_by_group(groups)
            cpu = {
                group: round(cpu_after.get(group, 0.0) - cpu_before.get(group, 0.0), 1)
                for group in sorted(cpu_after)
            }
            stored = stack.storage(prefix)
            turns = max(1, tally.turns)
            figures = {
                "machine_busy_pct": round(
                    100 * (busy_after - busy_before) / max(1, total_after - total_before), 1
                ),
                "cpu_s": cpu,
                "tracker_events_per_turn": round(stored["events"] / turns, 1),
                "database_mb_after": stored["database_mb"],
                "rasa_cpu_ms_per_turn": round(1000 * cpu.get("rasa", 0.0) / turns, 1),
            }
            return figures, (
                f", machine busy {figures['machine_busy_pct']}%, "
                f"Rasa CPU {figures['rasa_cpu_ms_per_turn']} ms/turn, CPU s {cpu}"
            )

        return measured

    return probe


def measure(
    name: str,
    model: Path,
    work: Path,
    args: argparse.Namespace,
    script: Script,
    servers: int,
    tag: str,
) -> dict[str, Any]:
    """Start a cluster of ``servers`` Rasa and action servers; warm-up, saturation (, soak)."""
    result: dict[str, Any] = {"rasa_servers": servers, "action_servers": servers}
    stack = ClusterStack(model, work, rasa_servers=servers, action_servers=servers)
    try:
        result["start_s"] = round(stack.start(), 1)
        print(f"  all servers answer after {result['start_s']} s", flush=True)
        numbers = itertools.count()
        scenarios = run_scenarios(
            stack,
            args,
            script,
            f"{tag}-{name.replace(' ', '-')}",
            warmup_and_saturation(args),
            numbers=numbers,
            probe=cpu_probe(stack),
        )
        if servers > 1 and not args.no_soak:
            prefix = f"bench-{tag}-{name.replace(' ', '-')}-soak-"
            print(
                f"  soak: {args.soak_owners} owners, {args.soak_minutes} min, a Rasa server "
                f"killed every {args.kill_every:g} s",
                flush=True,
            )
            tally, seconds, kills = asyncio.run(soak(stack, args, script, prefix, numbers))
            row = summary(tally, seconds, args.soak_owners, stack.tickets(prefix))
            windows = kill_windows(kills, tally.failed_at)
            row["kills"] = [
                {k: v for k, v in kill.items() if k != "at"} | {"failed_turns_within_60_s": n}
                for kill, n in zip(kills, windows, strict=True)
            ]
            row["answered_on_retry"] = tally.answered_on_retry
            scenarios["soak"] = row
            print(
                f"  soak: {row['turns']} turns, failed {row['errors']} "
                f"(answered on retry {tally.answered_on_retry}), per kill {windows}, "
                f"tickets {row['tickets']}",
                flush=True,
            )
        result["scenarios"] = scenarios
        result["memory_after"] = stack.memory()
    except (StackError, OSError) as error:
        print(f"  {name} failed: {error}", flush=True)
        result["error"] = str(error)[:2000]
    finally:
        stack.stop()
    return result


def targets(configurations: Mapping[str, Mapping[str, Any]]) -> dict[str, bool | None]:
    """The issue's targets: throughput ratio, and the soak's tickets and failed turns."""
    one = (configurations.get("one server", {}).get("scenarios") or {}).get("saturation")
    two = (configurations.get("cluster", {}).get("scenarios") or {}).get("saturation")
    soaked = (configurations.get("cluster", {}).get("scenarios") or {}).get("soak")
    checks: dict[str, bool | None] = dict.fromkeys(TARGETS)
    if one and two and one["turns_per_s"]:
        ratio = two["turns_per_s"] / one["turns_per_s"]
        checks["cluster_over_one_server"] = ratio >= TARGETS["cluster_over_one_server"]
    if soaked:
        checks["soak_lost"] = soaked["tickets"]["lost"] == 0
        checks["soak_duplicated"] = soaked["tickets"]["duplicated"] == 0
        checks["kill_failed"] = soaked["errors"] == 0
    return checks


def table(configurations: Mapping[str, Mapping[str, Any]]) -> str:
    """Saturation side by side, and the soak's figures."""
    names = list(configurations)
    lines = [f"{'':<30}" + "".join(f"{n:>14}" for n in names)]

    def row(title: str, get: Callable[[Mapping[str, Any]], Any]) -> None:
        cells = []
        for name in names:
            try:
                value = get(configurations[name])
            except (KeyError, TypeError):
                value = None
            cells.append(
                "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
            )
        lines.append(f"{title:<30}" + "".join(f"{c:>14}" for c in cells))

    row("Rasa / action servers", lambda r: f"{r['rasa_servers']}/{r['action_servers']}")
    row("all servers answer after s", lambda r: r["start_s"])
    row("Rasa RSS MB (total)", lambda r: r["memory_after"]["rasa"]["rss_total_mb"])

    def saturation(result: Mapping[str, Any]) -> Any:
        return result["scenarios"]["saturation"]

    row("saturation owners", lambda r: saturation(r)["owners"])
    row("saturation turns/s", lambda r: saturation(r)["turns_per_s"])
    row("saturation p50 ms", lambda r: saturation(r)["latency_ms"]["p50"])
    row("saturation p95 ms", lambda r: saturation(r)["latency_ms"]["p95"])
    row("saturation errors", lambda r: saturation(r)["errors"])
    row("saturation machine busy %", lambda r: saturation(r)["machine_busy_pct"])
    row("saturation Rasa CPU ms/turn", lambda r: saturation(r)["rasa_cpu_ms_per_turn"])
    row(
        "saturation tickets lost/dup",
        lambda r: "{lost}/{duplicated}".format(**saturation(r)["tickets"]),
    )

    def soaked(result: Mapping[str, Any]) -> Any:
        return result["scenarios"]["soak"]

    row("soak turns", lambda r: soaked(r)["turns"])
    row(
        "soak intakes done/started",
        lambda r: f"{soaked(r)['intakes_completed']}/{soaked(r)['intakes_started']}",
    )
    row("soak p95 ms", lambda r: soaked(r)["latency_ms"]["p95"])
    row("soak failed turns", lambda r: soaked(r)["errors"])
    row("soak answered on retry", lambda r: soaked(r)["answered_on_retry"])
    row(
        "soak failed per kill",
        lambda r: ",".join(str(k["failed_turns_within_60_s"]) for k in soaked(r)["kills"]),
    )
    row(
        "soak server back after s",
        lambda r: ",".join(str(k.get("back_after_s")) for k in soaked(r)["kills"]),
    )
    row("soak tickets exp/found", lambda r: "{expected}/{found}".format(**soaked(r)["tickets"]))
    row("soak tickets lost/dup", lambda r: "{lost}/{duplicated}".format(**soaked(r)["tickets"]))
    one = configurations.get("one server", {}).get("scenarios", {}).get("saturation")
    two = configurations.get("cluster", {}).get("scenarios", {}).get("saturation")
    if one and two and one["turns_per_s"]:
        lines.append(
            f"cluster / one server throughput: {two['turns_per_s'] / one['turns_per_s']:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """One server, then the cluster; print the table and write the JSON."""
    args = options(argv)
    try:
        script = load_script()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tag = datetime.now().strftime("%H%M%S")
    started = machine()
    configurations: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        work = Path(tmp)
        model = project_model(work / "model.tar.gz")
        for name, servers in (("one server", 1), ("cluster", 2)):
            print(
                f"\n== {name}: {servers} Rasa + {servers} action server(s) behind HAProxy",
                flush=True,
            )
            folder = work / name.replace(" ", "-")
            configurations[name] = measure(
                name, Path(model["model"]), folder, args, script, servers, tag
            )
    checks = targets(configurations)
    for result in configurations.values():
        result["targets"] = checks
    return finish(
        "load-cluster",
        configurations,
        started=started,
        table=table(configurations),
        options={k: v for k, v in vars(args).items() if k != "out"},
        stock_epochs=0,
        targets=TARGETS,
        out=args.out,
    )


if __name__ == "__main__":
    raise SystemExit(main())

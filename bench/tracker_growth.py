"""What a long conversation costs per turn, and what a new conversation session gives back.

Usage: ``python bench/tracker_growth.py [--turns 200] [--after 15] [--repeats 1] [--profile]
[--model bot/models/shouhou.tar.gz]`` (``make bench-tracker``). In-process: the trained model
(copied first, so a retraining meanwhile does not matter) in ``Agent.handle_text``, the real
action server (``tests.conftest.running_action_server``) and Rasa's SQL tracker store on a
fresh SQLite file, as ``endpoints.yml`` sets up. One owner talks for ``--turns`` turns
(greetings, warranty, price and service-centre questions, none of which ends the session or
hands the chat over); then their session expires (the expiration time is shortened for one
message) and they talk ``--after`` turns more.

Prints and writes to ``bench/results/tracker_growth.json``: the time of turn 5 and of the last
turn (median of the five turns around each, over the repeats), the events the tracker store
returned for those turns, and the same for turn 5 of the new session. ``--profile`` runs
cProfile over the turns around the last one and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.core.agent import Agent  # noqa: E402
from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import SessionConfig  # noqa: E402
from rasa.utils.common import configure_logging_and_warnings  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402
from rasa.utils.log_utils import configure_structlog  # noqa: E402

from bench.stack import run_stamp  # noqa: E402
from bot.serve import install_engine_speedups  # noqa: E402
from bot.tickets.migrate import upgrade  # noqa: E402
from tests.conftest import running_action_server  # noqa: E402

OUT = ROOT / "bench" / "results" / "tracker_growth.json"
MODEL = ROOT / "bot" / "models" / "shouhou.tar.gz"
# A returning owner's small talk and questions: none opens the intake or asks for a person.
MESSAGES = [
    "你好",
    "保修期是多久",
    "北京有维修点吗",
    "一加12换电池多少钱",
    "谢谢",
    "你是机器人吗",
    "上海的服务网点在哪里",
    "好的谢谢",
]
WINDOW = 2  # turns either side of a measured turn


class CountingStore(SQLTrackerStore):
    """Rasa's SQL tracker store that notes how many events each retrieval returned."""

    retrieved: list[int]

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        self.retrieved.append(len(tracker.events) if tracker else 0)
        return tracker


def around(values: list[float], turn: int) -> float:
    """Median of ``values`` (1-based turns) for the turns ``turn ± WINDOW``."""
    return statistics.median(values[max(turn - 1 - WINDOW, 0) : turn + WINDOW])


async def conversation(
    agent: Agent, store: CountingStore, sender: str, turns: int, after: int, profile: bool
) -> dict[str, Any]:
    """One owner's ``turns`` turns, an expired session, ``after`` turns: times and events."""
    times: list[float] = []
    events: list[int] = []
    answered: list[list[str]] = []
    profiler = cProfile.Profile() if profile else None

    async def turn(number: int) -> None:
        text = MESSAGES[number % len(MESSAGES)]
        store.retrieved = []
        profiling = profiler is not None and abs(number + 1 - turns) <= WINDOW
        if profiling:
            profiler.enable()  # type: ignore[union-attr]
        start = time.perf_counter()
        replies = await agent.handle_text(text, sender_id=sender)
        times.append(time.perf_counter() - start)
        if profiling:
            profiler.disable()  # type: ignore[union-attr]
        events.append(max(store.retrieved, default=0))
        answered.append([str(r.get("text", ""))[:20] for r in replies or []])

    for number in range(turns):
        await turn(number)
    config = agent.domain.session_config
    agent.domain.session_config = SessionConfig(1 / 60, config.carry_over_slots)  # 1 s
    await asyncio.sleep(1.5)
    await turn(turns)  # the returning owner: a new session
    agent.domain.session_config = config
    for number in range(turns + 1, turns + 1 + after):
        await turn(number)
    tracker = await agent.tracker_store.retrieve_full_tracker(sender)
    sessions = sum(1 for e in tracker.events if e.type_name == "session_started")
    return {
        "times": times,
        "events": events,
        "silent_turns": sum(1 for a in answered if not a),
        "paused": tracker.is_paused(),
        "sessions": sessions,
        "events_stored": len(tracker.events),
        "profile": profiler,
    }


def summary(runs: list[dict[str, Any]], turns: int) -> dict[str, Any]:
    """Medians around turn 5, the last turn, and turn 5 of the new session."""
    points = {"turn 5": 5, f"turn {turns}": turns, "new session, turn 5": turns + 5}
    rows = {}
    for label, turn in points.items():
        rows[label] = {
            "ms": round(statistics.median(around(r["times"], turn) for r in runs) * 1000, 1),
            "events_retrieved": int(statistics.median(around(r["events"], turn) for r in runs)),
        }
    return rows


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Start the action server, load the model, hold the conversations."""
    model = workdir / "model.tar.gz"
    shutil.copy(args.model, model)
    tickets = f"sqlite:///{workdir / 'tickets.db'}"
    upgrade(tickets)
    install_engine_speedups()  # as `make run` serves
    runs = []
    with running_action_server(tickets, log_file=workdir / "action-server.log") as url:
        store = CountingStore(dialect="sqlite", db=str(workdir / "tracker.db"))
        store.retrieved = []
        agent = Agent.load(str(model), action_endpoint=EndpointConfig(url=url), tracker_store=store)
        await agent.handle_text("你好", sender_id="warm-up")
        for repeat in range(args.repeats):
            runs.append(
                await conversation(
                    agent, store, f"owner-{repeat}", args.turns, args.after, args.profile
                )
            )
    return {"runs": runs, "summary": summary(runs, args.turns)}


def main() -> None:
    """Run, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--after", type=int, default=15, help="turns in the new session")
    parser.add_argument("--repeats", type=int, default=1, help="conversations")
    parser.add_argument("--profile", action="store_true", help="cProfile the last turns")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    configure_logging_and_warnings(logging.WARNING)  # debug logs would be timed too
    configure_structlog(logging.WARNING)
    if not args.model.exists():
        sys.exit(f"no model at {args.model}: run `make train`")
    with tempfile.TemporaryDirectory(prefix="tracker-growth-") as tmp:
        result = asyncio.run(bench(args, Path(tmp)))
    rows = result["summary"]
    print(f"{'':22} {'ms/turn':>8} {'events retrieved':>17}")
    for label, row in rows.items():
        print(f"{label:22} {row['ms']:>8.1f} {row['events_retrieved']:>17}")
    first, last = rows["turn 5"]["ms"], rows[f"turn {args.turns}"]["ms"]
    print(f"turn {args.turns} / turn 5: {last / first:.1f}x")
    runs = result["runs"]
    for index, run in enumerate(runs):
        print(
            f"conversation {index}: {run['sessions']} sessions, {run['events_stored']} events "
            f"stored, {run['silent_turns']} turns without an answer, paused={run['paused']}"
        )
    report: dict[str, Any] = {
        **run_stamp(),
        "turns": args.turns,
        "after_expiry": args.after,
        "repeats": args.repeats,
        "summary": rows,
        "ratio_last_to_5": round(last / first, 2),
        "conversations": [
            {
                "ms_per_turn": [round(t * 1000, 1) for t in run["times"]],
                "events_retrieved": run["events"],
                "sessions": run["sessions"],
                "silent_turns": run["silent_turns"],
                "paused": run["paused"],
            }
            for run in runs
        ],
    }
    if args.profile:
        text = io.StringIO()
        stats = pstats.Stats(runs[0]["profile"], stream=text)
        stats.sort_stats("cumulative").print_stats(40)
        print(text.getvalue())
        report["profile_top"] = text.getvalue().splitlines()[:80]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

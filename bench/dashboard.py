"""What one dashboard answer costs: figures from the analytics table vs the tracker-store fallback.

Usage: ``python bench/dashboard.py [--repeats 40] [--timings 5]`` (``make bench-dashboard``).
In-process: the trained model (copied first) in ``Agent.handle_message``, the real action
server (``tests.conftest.running_action_server``) and Rasa's SQL tracker store on a fresh
SQLite file, as ``endpoints.yml`` sets up. The conversations of the dashboard's tests
(``tests.dashboard.held.CONVERSATIONS``: an intake to a ticket, a fault the guided diagnosis
solves, an intake left halfway, two misunderstood messages handed to a person, a question)
are held ``--repeats`` times each, by new owners, with one agent online. Their events are then
folded into ``analytics_conversations`` and ``analytics_missed_messages`` as the consumer folds
what the broker publishes (:func:`bot.analytics.store.record_events`).

Timed, ``--timings`` times each (the median kept), for the day the conversations were held:

- ``analytics``: ``GET dashboard`` with an event broker configured: conversations and missed
  messages from the analytics tables (the tracker store not read);
- ``tracker``: ``GET dashboard`` without a broker: every conversation folded from the tracker
  store (the fallback);
- ``analytics_no_messages``: a CSV of a conversation table with a broker (no missed
  messages read).

Checks that both sources give the same tables. Prints a table and writes
``bench/results/dashboard.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
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
from rasa.core.brokers.sql import SQLEventBroker  # noqa: E402
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage  # noqa: E402
from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.utils.common import configure_logging_and_warnings  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402
from rasa.utils.log_utils import configure_structlog  # noqa: E402

from bench.stack import run_stamp, write_report  # noqa: E402
from bot.analytics.messages import decode_message  # noqa: E402
from bot.analytics.store import record_events  # noqa: E402
from bot.console import accounts  # noqa: E402
from bot.console.texts import console_text  # noqa: E402
from bot.dashboard.labels import dashboard_labels  # noqa: E402
from bot.dashboard.period import parse_period  # noqa: E402
from bot.dashboard.report import build_report  # noqa: E402
from bot.settings import get_settings  # noqa: E402
from bot.tickets.db import dispose_engines, session_scope  # noqa: E402
from bot.tickets.migrate import upgrade  # noqa: E402
from bot.tickets.presence import set_presence  # noqa: E402
from tests.conftest import running_action_server  # noqa: E402
from tests.dashboard.held import CONVERSATIONS  # noqa: E402

OUT = ROOT / "bench" / "results" / "dashboard.json"
MODEL = ROOT / "bot" / "models" / "shouhou.tar.gz"
DOMAIN = ROOT / "domain.yml"


async def hold(agent: Agent, repeats: int) -> tuple[int, int]:
    """Hold every conversation ``repeats`` times; returns (conversations, messages)."""
    conversations = messages = 0
    for repeat in range(repeats):
        for name, (channel, texts) in CONVERSATIONS.items():
            sender = f"{name}-{repeat}"
            for text in texts:
                await agent.handle_message(
                    UserMessage(text, CollectingOutputChannel(), sender, input_channel=channel)
                )
                messages += 1
            conversations += 1
    return conversations, messages


async def fold_into_analytics(store: SQLTrackerStore, url: str) -> int:
    """Fold every stored conversation into the analytics tables; returns the events."""
    folded = 0
    for sender in sorted(await store.keys()):
        tracker = await store.retrieve_full_tracker(sender)
        if tracker is None:
            continue
        bodies = [
            json.dumps({**event.as_dict(), "sender_id": sender}).encode()
            for event in tracker.events
        ]
        with session_scope(url) as session:
            folded += record_events(session, events=[decode_message(body) for body in bodies])
    return folded


async def timed(work: Any, timings: int) -> tuple[float, dict[str, Any]]:
    """The median seconds of ``timings`` runs of ``work()`` after one untimed, its answer."""
    seconds: list[float] = []
    answer: dict[str, Any] = await work()  # warm: catalogues, the NLU examples, the engines
    for _ in range(timings):
        started = time.perf_counter()
        answer = await work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), answer


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Hold the conversations, fold them, time the three answers."""
    model = workdir / "model.tar.gz"
    shutil.copy(args.model, model)
    url = f"sqlite:///{workdir / 'tickets.db'}"
    upgrade(url)
    agent_account = accounts.add_agent("bench", "压测坐席", "correct horse battery", url=url)
    with session_scope(url) as session:  # someone online: the fallback queues the chat
        set_presence(session, agent_id=agent_account.id, presence="online")
    domain = Domain.load(str(DOMAIN))
    tracker_db = str(workdir / "tracker.db")
    with running_action_server(url, log_file=workdir / "actions.log") as action_url:
        store = SQLTrackerStore(domain, dialect="sqlite", db=tracker_db)
        agent = Agent.load(
            str(model), action_endpoint=EndpointConfig(url=action_url), tracker_store=store
        )
        started = time.perf_counter()
        conversations, messages = await hold(agent, args.repeats)
        held_seconds = time.perf_counter() - started
    events = await fold_into_analytics(store, url)
    with_broker = SQLTrackerStore(
        domain,
        dialect="sqlite",
        db=tracker_db,
        event_broker=SQLEventBroker(db=str(workdir / "broker.db")),
    )
    tz = get_settings().tz
    today = get_settings().today().isoformat()
    period = parse_period(today, today, tz=tz)
    labels = dashboard_labels(console_text)

    def report(tracker_store: Any, with_messages: bool = True) -> Any:
        return lambda: build_report(
            tracker_store, period, labels=labels, url=url, with_messages=with_messages
        )

    results: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, Any]] = {}
    for name, work in (
        ("analytics", report(with_broker)),
        ("tracker", report(store)),
        ("analytics_no_messages", report(with_broker, with_messages=False)),
    ):
        seconds, answer = await timed(work, args.timings)
        answers[name] = answer
        results[name] = {
            "source": answer["source"],
            "ms": round(seconds * 1000, 1),
            "ms_per_conversation": round(seconds * 1000 / max(conversations, 1), 2),
        }
    same = answers["analytics"]["tables"] == answers["tracker"]["tables"]
    contained = answers["analytics"]["tables"]["containment"]["rows"]
    return {
        "conversations": conversations,
        "messages": messages,
        "events": events,
        "held_seconds": round(held_seconds, 1),
        "results": results,
        "same_tables": same,
        "containment_rows": contained,
    }


def main() -> None:
    """Run, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40, help="times each conversation")
    parser.add_argument("--timings", type=int, default=5, help="runs of each answer")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    if not args.model.exists():
        sys.exit(f"no model at {args.model}: run `make train`")
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        workdir = Path(tmp)
        get_settings.cache_clear()
        dispose_engines()
        result = asyncio.run(bench(args, workdir))
        dispose_engines()
    rows = result["results"]
    print(
        f"{result['conversations']} conversations, {result['messages']} messages, "
        f"{result['events']} events ({result['held_seconds']} s to hold)"
    )
    print(f"{'answer':24} {'source':10} {'ms':>8} {'ms/conversation':>16}")
    for name, row in rows.items():
        per = row["ms"] / result["conversations"]
        print(f"{name:24} {row['source']:10} {row['ms']:>8.1f} {per:>16.2f}")
    ratio = rows["tracker"]["ms"] / rows["analytics"]["ms"]
    messages_share = 1 - rows["analytics_no_messages"]["ms"] / rows["analytics"]["ms"]
    print(f"tracker fallback / analytics: {ratio:.2f}x")
    print(f"share of the analytics answer spent on missed messages: {messages_share:.0%}")
    print(f"both sources give the same tables: {result['same_tables']}")
    report = {
        **run_stamp(),
        "repeats": args.repeats,
        "timings": args.timings,
        **result,
        "ratio_tracker_to_analytics": round(ratio, 2),
        "missed_messages_share": round(messages_share, 3),
    }
    write_report(report, OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    if not result["same_tables"]:
        sys.exit("the two sources disagree")


if __name__ == "__main__":
    main()

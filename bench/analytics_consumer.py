"""The analytics consumer's CPU per event at a steady rate: batches filled by a linger or not.

Usage: ``python bench/analytics_consumer.py`` (``make bench-analytics``). For each
``--lingers`` value (default ``0,0.25``; 0 stores whatever has arrived, as before the
linger) it creates its own PostgreSQL database and RabbitMQ queue, migrates, starts
``python -m bot.analytics.consume --linger L`` and publishes with Rasa's own
``PikaEventBroker`` ``--rate`` events a second (300) for ``--seconds`` (20), spread over 50
conversations. The consumer's CPU time over that window (from ``/proc``) is divided by the
events. Prints a table and writes ``bench/results/analytics-consumer.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cluster_stack import drop_run_services  # noqa: E402
from bench.stack import machine, process_cpu_seconds, run_stamp, write_report  # noqa: E402
from bot.cluster.profile import database_url, profile_environment  # noqa: E402
from bot.cluster.run import ensure_database  # noqa: E402

CONVERSATIONS = 50


def _events(count: int) -> list[dict[str, Any]]:
    """A user message, the bot's answer and the listen that follows, in turn."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    kinds = [
        UserUttered("我的手机充不进电了", {"name": "report_fault", "confidence": 0.9}),
        BotUttered("请问您的手机是哪个型号？"),
        ActionExecuted("action_listen"),
    ]
    result = []
    for n in range(count):
        event = kinds[n % len(kinds)].as_dict()
        event["sender_id"] = f"bench-analytics-{n % CONVERSATIONS}"
        result.append(event)
    return result


async def _publish(env: dict[str, str], queue: str, rate: int, seconds: float, pid: int) -> dict:
    from rasa.core.brokers.pika import PikaEventBroker

    broker = PikaEventBroker(
        env["RABBITMQ_HOST"], env["RABBITMQ_USER"], env["RABBITMQ_PASSWORD"],
        port=int(env["RABBITMQ_PORT"]), queues=[queue],
    )  # fmt: skip
    await broker.connect()
    await asyncio.sleep(8)  # the consumer's start
    events = _events(int(rate * seconds))
    cpu_before = process_cpu_seconds([pid])
    started = time.monotonic()
    step = max(1, rate // 10)
    for first in range(0, len(events), step):
        for event in events[first : first + step]:
            broker.publish(event)
        await asyncio.sleep(max(0.0, started + (first + step) / rate - time.monotonic()))
    await asyncio.sleep(5)  # the last batches
    cpu = process_cpu_seconds([pid]) - cpu_before
    await broker.close()
    return {"events": len(events), "consumer_cpu_s": round(cpu, 2)}


def measure(linger: float, rate: int, seconds: float) -> dict[str, Any]:
    """One consumer with ``linger``, fed ``rate`` events a second for ``seconds``."""
    tag = uuid.uuid4().hex[:8]
    database, queue = f"shouhou_bench_{tag}", f"shouhou_events_{tag}"
    env = profile_environment({**os.environ, "PGDATABASE": database, "RABBITMQ_QUEUE": queue})
    env["DATABASE_URL"] = database_url(env)
    ensure_database(env)
    consumer: subprocess.Popen[bytes] | None = None
    try:
        migrate = [sys.executable, "-m", "bot.tickets.cli", "migrate"]
        subprocess.run(migrate, env=env, cwd=ROOT, check=True, capture_output=True)
        consumer = subprocess.Popen(
            [sys.executable, "-m", "bot.analytics.consume", "--linger", str(linger)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        result = asyncio.run(_publish(env, queue, rate, seconds, consumer.pid))
    finally:
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=30)
        drop_run_services(env)
    result["linger_s"] = linger
    result["cpu_ms_per_event"] = round(1000 * result["consumer_cpu_s"] / result["events"], 3)
    result["core_share_at_rate"] = round(result["consumer_cpu_s"] / seconds, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure each linger, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lingers", default="0,0.25", help="comma-separated seconds")
    parser.add_argument("--rate", type=int, default=300, help="events a second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/analytics-consumer.json")
    args = parser.parse_args(argv)
    try:
        lingers = [float(v) for v in args.lingers.split(",") if v.strip()]
    except ValueError:
        parser.error("--lingers must be numbers, e.g. 0,0.25")
    if not lingers or args.rate < 10 or args.seconds <= 0:
        parser.error("give at least one linger, --rate of 10 or more and positive --seconds")
    started = machine()
    results = []
    for linger in lingers:
        row = measure(linger, args.rate, args.seconds)
        print(
            f"linger {linger:g} s: {row['events']} events, consumer CPU {row['consumer_cpu_s']} s "
            f"= {row['cpu_ms_per_event']} ms per event ({row['core_share_at_rate']} core)",
            flush=True,
        )
        results.append(row)
    write_report(
        {
            "benchmark": "analytics-consumer",
            "timestamp": run_stamp()["timestamp"],
            "machine": {"at_start": started, "at_end": machine()},
            "options": {"rate": args.rate, "seconds": args.seconds},
            "results": results,
        },
        args.out,
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

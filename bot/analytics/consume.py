"""The analytics consumer's command: Rasa's events from RabbitMQ into the ticket database.

    python -m bot.analytics.consume [--endpoints FILE] [--queue NAME] [--idle-exit SECONDS]

The endpoints file (default: ``ENDPOINTS`` or ``endpoints.production.yml``, with this
machine's services for every unset variable, :mod:`bot.cluster.profile`) names the broker;
the ticket database is ``DATABASE_URL`` (:mod:`bot.settings`). Migrate it first
(``python -m bot.tickets.cli migrate``).

The consumer (:mod:`bot.analytics.consumer`) stores every event once, dead-letters what it
cannot store and waits out RabbitMQ or the database going away; SIGINT and SIGTERM stop it
between two batches, leaving what it has not stored to the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.analytics.broker import BrokerConfig, BrokerConfigError, read_broker_config
from bot.analytics.consumer import Consumer, ConsumerOptions
from bot.cluster.profile import endpoints_path, profile_environment
from bot.settings import get_settings
from bot.tickets.db import TicketStoreUnavailable, get_engine

logger = logging.getLogger("bot.analytics.consume")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.analytics.consume",
        description="Store the conversation events Rasa publishes to RabbitMQ as analytics "
        "in the ticket database (DATABASE_URL).",
    )
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=None,
        help="endpoints file with the event_broker (default: ENDPOINTS or "
        "endpoints.production.yml)",
    )
    parser.add_argument(
        "--queue", default=None, help="the broker's queue to consume (default: its first)"
    )
    parser.add_argument(
        "--dead-letter-queue",
        default=None,
        help="where refused messages are copied (default: <queue>.rejected)",
    )
    parser.add_argument("--batch", type=int, default=100, help="messages per transaction")
    parser.add_argument(
        "--linger",
        type=float,
        default=0.25,
        metavar="SECONDS",
        help="wait this long for a batch to fill before storing it (default 0.25)",
    )
    parser.add_argument(
        "--prefetch", type=int, default=200, help="unacknowledged messages sent ahead"
    )
    parser.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds without a message (default: run until stopped)",
    )
    parser.add_argument(
        "--keep-keys-days",
        type=float,
        default=7.0,
        help="days the keys of folded events are kept against redelivery (default 7)",
    )
    parser.add_argument(
        "--keep-messages-days",
        type=float,
        default=400.0,
        help="days the missed messages are kept for the dashboard (default 400)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ...")
    return parser


def options_from(args: argparse.Namespace, config: BrokerConfig) -> ConsumerOptions:
    """The consumer's options from the command line, checked against the broker.

    Raises:
        BrokerConfigError: The queue is not one the broker publishes to, or a number is off.
    """
    queue = args.queue or config.queues[0]
    if queue not in config.queues:
        raise BrokerConfigError(
            f"queue {queue!r} is not one of the broker's queues {list(config.queues)}"
        )
    if not 0 <= args.linger <= 5:
        raise BrokerConfigError("--linger must be 0 to 5 seconds")
    if args.batch < 1 or args.prefetch < args.batch:
        raise BrokerConfigError("--batch must be at least 1 and --prefetch at least --batch")
    if args.keep_keys_days <= 0 or (args.idle_exit is not None and args.idle_exit <= 0):
        raise BrokerConfigError("--keep-keys-days and --idle-exit must be positive")
    if args.keep_messages_days <= 0:
        raise BrokerConfigError("--keep-messages-days must be positive")
    return ConsumerOptions(
        queue=queue,
        dead_letter_queue=args.dead_letter_queue or f"{queue}.rejected",
        batch_size=args.batch,
        linger=args.linger,
        prefetch=args.prefetch,
        idle_exit=args.idle_exit,
        key_retention=dt.timedelta(days=args.keep_keys_days),
        message_retention=dt.timedelta(days=args.keep_messages_days),
    )


async def _serve(consumer: Consumer) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, consumer.stop)
    try:
        await consumer.run()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the consumer; 0 when stopped, 2 when the configuration is unusable."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=str(args.log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.update(profile_environment(os.environ))
    get_settings.cache_clear()
    path = args.endpoints or endpoints_path(os.environ)
    try:
        config = read_broker_config(path)
        options = options_from(args, config)
        url = get_settings().ticket_database_url
        get_engine(url)  # a URL SQLAlchemy cannot use fails here, not on the first message
    except (BrokerConfigError, ArgumentError, TicketStoreUnavailable, ValueError) as exc:
        print(f"analytics consumer: {exc}", file=sys.stderr)
        return 2
    logger.info(
        "analytics from %s (queue %s) into %s",
        path,
        options.queue,
        make_url(url).render_as_string(hide_password=True),
    )
    consumer = Consumer(config, options)
    asyncio.run(_serve(consumer))
    logger.info("stopped: %d event(s) stored, %d refused", consumer.stored, consumer.refused)
    return 0


if __name__ == "__main__":
    sys.exit(main())

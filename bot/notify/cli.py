"""Command line of the notices (``python -m bot.notify``), for operators.

Commands::

    deliver                 deliver the due notices once (WeChat and SMS; widget notices are
                            left to the Rasa server, which holds the widgets)
    show TICKET_NO          list a ticket's notices: status, channel, attempts, last error
    retry NOTICE_ID ...     make failed notices pending again (after fixing the cause)

``--url`` (before the command) overrides ``DATABASE_URL``. Exit codes: 0 success, 2 bad
input, 1 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy import update

from bot.notify.setup import build_senders, retry_policy
from bot.notify.worker import deliver_due
from bot.settings import get_settings
from bot.tickets.checks import TicketNotFound, utcnow
from bot.tickets.command import UsageError, run_command
from bot.tickets.db import session_scope
from bot.tickets.models.outbox import NOTICE_PENDING, NoticeOutbox
from bot.tickets.notices import list_notices


def build_parser() -> argparse.ArgumentParser:
    """The parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.notify", description="Notices to owners: the outbox."
    )
    parser.add_argument("--url", help="ticket store URL (default: DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("deliver", help="deliver the due notices once")
    show = commands.add_parser("show", help="list a ticket's notices")
    show.add_argument("ticket_no")
    retry = commands.add_parser("retry", help="make failed notices pending again")
    retry.add_argument("ids", nargs="+", type=int, metavar="NOTICE_ID")
    return parser


def _deliver(url: str | None, out: TextIO) -> None:
    settings = get_settings()
    senders = build_senders(settings, widget=False)
    report = asyncio.run(
        deliver_due(
            functools.partial(session_scope, url),
            senders.senders,
            policy=retry_policy(settings),
        )
    )
    print(
        f"notices: {report.sent} sent, {report.retried} to retry, {report.failed} failed, "
        f"{report.skipped} skipped (opted out), {report.to_sms} widget notices now SMS",
        file=out,
    )
    for channel, count in sorted(report.waiting.items()):
        reason = senders.unavailable.get(channel, "no sender")
        print(f"{count} {channel} notice(s) wait: {reason}", file=out)


def _show(url: str | None, ticket_no: str, out: TextIO) -> None:
    with session_scope(url, readonly=True) as session:
        notices = list_notices(session, ticket_no=ticket_no)
    if not notices:
        print(f"{ticket_no}: no notices", file=out)
    for notice in notices:
        when = (notice.sent_at or notice.next_attempt_at).isoformat(timespec="seconds")
        error = f"  {notice.last_error}" if notice.last_error else ""
        print(
            f"#{notice.id} {notice.event} {notice.channel} {notice.status} "
            f"attempts={notice.attempts} {when}{error}",
            file=out,
        )


def _retry(url: str | None, ids: list[int], out: TextIO) -> None:
    with session_scope(url) as session:
        result = session.execute(
            update(NoticeOutbox)
            .where(NoticeOutbox.id.in_(ids), NoticeOutbox.status == "failed")
            .values(status=NOTICE_PENDING, attempts=0, next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        count = int(result.rowcount or 0)
    if count != len(set(ids)):
        raise UsageError(f"{count} of {len(set(ids))} notice(s) requeued: only failed ones can be")
    print(f"{count} notice(s) pending again", file=out)


def _run(args: argparse.Namespace, out: TextIO) -> None:
    if args.command == "deliver":
        _deliver(args.url, out)
    elif args.command == "show":
        _show(args.url, args.ticket_no, out)
    else:
        _retry(args.url, list(args.ids), out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 0 success, 1 database unavailable, 2 bad input."""
    return run_command(build_parser(), lambda args: _run(args, sys.stdout), argv, (TicketNotFound,))

"""Command line of the ticket store (``python -m bot.tickets.cli`` / ``shouhou-tickets``).

Commands::

    migrate                                   upgrade the database to the newest schema
    show TICKET_NO                            print a ticket and its status history
    set-status TICKET_NO STATUS [--note N] [--by WHO] [--tracking-no T] [--courier C]
    add-extended-warranty SERIAL --until YYYY-MM-DD [--plan P] [--from YYYY-MM-DD]
                                              [--source S]
    complaints [--since YYYY-MM-DD] [--limit N]   recent complaints, newest first
    ratings [--since YYYY-MM-DD] [--context C]    satisfaction ratings summary

Dates given to ``--since`` are business-local days (``TIMEZONE``). ``--url``
(before the command) overrides ``DATABASE_URL``. Exit codes: 0 success, 2 bad
input (unknown command, status, date or ticket number, missing tracking number,
...), 1 the database cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.settings import get_settings
from bot.tickets import migrate
from bot.tickets.checks import TicketNotFound
from bot.tickets.command import UsageError, run_command
from bot.tickets.db import session_scope
from bot.tickets.draft import ticket_fields
from bot.tickets.feedback import list_complaints, rating_summary
from bot.tickets.history import StatusChange, TicketNotCancellable, set_status, status_history
from bot.tickets.models import RATING_CONTEXTS, TICKET_STATUSES
from bot.tickets.tickets import TicketRecord, get_ticket
from bot.tickets.warranties import add_extended_warranty


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, expected YYYY-MM-DD") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}, expected a whole number >= 1")
    return value


def _local(value: dt.datetime) -> str:
    return value.astimezone(get_settings().tz).isoformat(timespec="seconds")


def _start_of(day: dt.date | None) -> dt.datetime | None:
    """Return the first instant of a business-local day, or None."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=get_settings().tz)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser.

    Returns:
        The parser of :func:`main`.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bot.tickets.cli", description="售后助手 ticket store administration"
    )
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or SQLite in VAR_DIR)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    commands.add_parser("migrate", help="upgrade the database schema to the newest revision")

    show = commands.add_parser("show", help="print a ticket and its status history")
    show.add_argument("ticket_no", metavar="TICKET_NO")

    status = commands.add_parser("set-status", help="change the status of a ticket")
    status.add_argument("ticket_no", metavar="TICKET_NO")
    status.add_argument("status", metavar="STATUS", help=", ".join(TICKET_STATUSES))
    status.add_argument("--note", help="note stored in the status history")
    status.add_argument("--by", default="cli", help="who makes the change (default: cli)")
    status.add_argument(
        "--tracking-no",
        help="courier tracking number (shipped_back only; required for mail_in tickets)",
    )
    status.add_argument("--courier", help="courier name, e.g. SF (shipped_back only)")

    warranty = commands.add_parser(
        "add-extended-warranty", help="record an extended warranty plan of a device"
    )
    warranty.add_argument("serial", metavar="SERIAL", help="IMEI or serial number")
    warranty.add_argument("--until", type=_date, required=True, help="last covered day")
    warranty.add_argument(
        "--from", dest="starts_on", type=_date, help="first covered day (default: today)"
    )
    warranty.add_argument("--plan", default="extended", help="plan name (default: extended)")
    warranty.add_argument("--source", default="cli", help="record source (default: cli)")

    complaints = commands.add_parser("complaints", help="list recent complaints, newest first")
    complaints.add_argument(
        "--since", type=_date, help="only complaints from this business day on (YYYY-MM-DD)"
    )
    complaints.add_argument(
        "--limit", type=_positive, default=20, help="how many to list (default: 20)"
    )

    ratings = commands.add_parser("ratings", help="summarise satisfaction ratings")
    ratings.add_argument(
        "--since", type=_date, help="only ratings from this business day on (YYYY-MM-DD)"
    )
    ratings.add_argument("--context", choices=RATING_CONTEXTS, help="only ratings of this context")
    return parser


def _shown(value: object) -> str:
    """A field's value as printed: ``-`` when empty, dates in ISO format."""
    if value is None or value == "":
        return "-"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _print_ticket(ticket: TicketRecord, out: TextIO) -> None:
    draft = [(spec.name, _shown(getattr(ticket, spec.name))) for spec in ticket_fields()]
    fields = [
        ("ticket_no", ticket.ticket_no),
        ("status", ticket.status),
        *draft,
        ("created_at", _local(ticket.created_at)),
        ("updated_at", _local(ticket.updated_at)),
    ]
    for name, value in fields:
        print(f"{name + ':':<19}{value}", file=out)


def _print_change(change: StatusChange, out: TextIO) -> None:
    line = f"  {_local(change.changed_at)}  {change.status:<13} by {change.changed_by}"
    if change.tracking_no:
        courier = f" ({change.courier})" if change.courier else ""
        line += f"  tracking {change.tracking_no}{courier}"
    if change.note:
        line += f"  {change.note}"
    print(line, file=out)


def _print_complaints(args: argparse.Namespace, out: TextIO) -> None:
    with session_scope(args.url) as session:
        complaints = list_complaints(session, since=_start_of(args.since), limit=args.limit)
    if not complaints:
        print("no complaints", file=out)
    for complaint in complaints:
        about = f"  about {complaint.ticket_no}" if complaint.ticket_no else ""
        print(
            f"{_local(complaint.created_at)}  #{complaint.id}  {complaint.channel}  "
            f"sender {complaint.sender_id}{about}",
            file=out,
        )
        for line in complaint.text.splitlines() or [""]:
            print(f"    {line}", file=out)


def _print_ratings(args: argparse.Namespace, out: TextIO) -> None:
    with session_scope(args.url) as session:
        summary = rating_summary(session, since=_start_of(args.since), context=args.context)
    average = "-" if summary.average is None else f"{summary.average:.2f}"
    print(f"ratings: {summary.count}", file=out)
    print(f"average: {average}", file=out)
    for score in sorted(summary.counts, reverse=True):
        print(f"  {score}: {summary.counts[score]}", file=out)


def _run(args: argparse.Namespace, out: TextIO) -> None:
    url: str | None = args.url
    if args.command == "migrate":
        migrate.upgrade(url)
        print(f"ticket store at revision {migrate.current_revision(url)}", file=out)
    elif args.command == "show":
        with session_scope(url) as session:
            ticket = get_ticket(session, ticket_no=args.ticket_no)
            if ticket is None:
                raise UsageError(f"no ticket {args.ticket_no}")
            history = status_history(session, ticket_no=ticket.ticket_no)
        _print_ticket(ticket, out)
        print("history:", file=out)
        for change in history:
            _print_change(change, out)
    elif args.command == "set-status":
        if args.status not in TICKET_STATUSES:
            raise UsageError(
                f"invalid status {args.status!r}; expected one of {', '.join(TICKET_STATUSES)}"
            )
        with session_scope(url) as session:
            ticket = set_status(
                session,
                ticket_no=args.ticket_no,
                status=args.status,
                note=args.note,
                changed_by=args.by,
                tracking_no=args.tracking_no,
                courier=args.courier,
            )
        print(f"{ticket.ticket_no}: status {ticket.status}", file=out)
    elif args.command == "add-extended-warranty":
        starts_on = args.starts_on or get_settings().today()
        with session_scope(url) as session:
            record = add_extended_warranty(
                session,
                serial_number=args.serial,
                plan=args.plan,
                starts_on=starts_on,
                ends_on=args.until,
                source=args.source,
            )
        print(
            f"extended warranty {record.plan} for {record.serial_number}: "
            f"{record.starts_on.isoformat()} to {record.ends_on.isoformat()}",
            file=out,
        )
    elif args.command == "complaints":
        _print_complaints(args, out)
    elif args.command == "ratings":
        _print_ratings(args, out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The exit code: 0 success, 1 database unavailable, 2 bad input.
    """
    return run_command(
        build_parser(),
        lambda args: _run(args, sys.stdout),
        argv,
        (TicketNotFound, TicketNotCancellable),
    )


if __name__ == "__main__":
    sys.exit(main())

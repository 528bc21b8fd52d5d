"""Command line of the ticket store (``python -m bot.tickets.cli`` / ``shouhou-tickets``).

Commands::

    migrate                                   upgrade the database to the newest schema
    show TICKET_NO                            print a ticket and its status history
    set-status TICKET_NO STATUS [--note N] [--by WHO] [--tracking-no T] [--courier C]
    add-extended-warranty SERIAL --until YYYY-MM-DD [--plan P] [--from YYYY-MM-DD]
                                              [--source S]
    quote TICKET_NO [--part NAME=YUAN ...] [--labour YUAN] [--note N] [--by WHO]
                                              set the repair quote; the owner is told and
                                              approves or declines in chat
    quote-decision TICKET_NO approve|decline [--by WHO]   record the owner's decision
                                              taken outside the chat (e.g. by phone)
    complaints [--since YYYY-MM-DD] [--limit N]   recent complaints, newest first
    ratings [--since YYYY-MM-DD] [--context C]    satisfaction ratings summary
    import-warranty-cards FILE.csv [--source S]   electronic warranty cards (imei,device_model,
                                              activated_on); a file with a bad line imports nothing
    pickups-retry [--limit N]                 send the courier pickups it has not taken yet
                                              (courier down, or COURIER_URL set later)

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
from pathlib import Path
from typing import TextIO

from bot.intake.quote_parts import parse_part, parse_yuan
from bot.settings import get_settings
from bot.tickets import migrate
from bot.tickets.checks import TicketNotFound
from bot.tickets.command import UsageError, run_command
from bot.tickets.db import session_scope
from bot.tickets.draft import ticket_fields
from bot.tickets.feedback import list_complaints, rating_summary
from bot.tickets.history import StatusChange, TicketNotCancellable, set_status, status_history
from bot.tickets.models import RATING_CONTEXTS, TICKET_STATUSES
from bot.tickets.pickups import PickupRecord, list_pickups
from bot.tickets.quotes import (
    QUOTE_DECISIONS,
    NoPendingQuote,
    QuoteConflict,
    QuoteNotAllowed,
    QuotePart,
    QuoteRecord,
    decide_quote,
    format_yuan,
    list_quotes,
    set_quote,
)
from bot.tickets.tickets import TicketRecord, get_ticket
from bot.tickets.warranties import add_extended_warranty
from bot.tickets.warranty_cards import import_cards, read_card_rows


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

    quote = commands.add_parser("quote", help="set the repair quote of a ticket (CNY)")
    quote.add_argument("ticket_no", metavar="TICKET_NO")
    quote.add_argument(
        "--part",
        action="append",
        default=[],
        metavar="NAME=YUAN",
        help="a part and its price, e.g. 屏幕=899 (repeatable; catalogued names are resolved)",
    )
    quote.add_argument("--labour", default="0", metavar="YUAN", help="labour (default: 0)")
    quote.add_argument("--note", help="engineer's note kept with the quote")
    quote.add_argument("--by", default="cli", help="who sets the quote (default: cli)")

    decision = commands.add_parser(
        "quote-decision", help="record the owner's decision on the pending quote"
    )
    decision.add_argument("ticket_no", metavar="TICKET_NO")
    decision.add_argument("decision", choices=QUOTE_DECISIONS)
    decision.add_argument("--by", default="cli", help="who records it (default: cli)")

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

    cards = commands.add_parser(
        "import-warranty-cards", help="import electronic warranty cards from a CSV file"
    )
    cards.add_argument("file", metavar="FILE.csv", help="imei,device_model,activated_on")
    cards.add_argument("--source", help="record source (default: the file name)")

    # after-sales: pickup
    retry = commands.add_parser(
        "pickups-retry", help="send due courier pickups to the courier (COURIER_URL) once"
    )
    retry.add_argument("--limit", type=_positive, default=100, help="most pickups (default 100)")
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


def _print_quote(quote: QuoteRecord, out: TextIO) -> None:
    total = f"{format_yuan(quote.total_fen)} {quote.currency}"
    line = f"  #{quote.id}  {quote.status:<10} total {total}"
    line += f"  set {_local(quote.set_at)} by {quote.set_by}"
    if quote.decided_at is not None:
        line += f"  decided {_local(quote.decided_at)} via {quote.decided_via}"
    print(line, file=out)
    for part in quote.parts:
        print(f"      {part.name}: {format_yuan(part.amount_fen)}", file=out)
    print(f"      labour: {format_yuan(quote.labour_fen)}", file=out)
    if quote.note:
        print(f"      note: {quote.note}", file=out)


def _print_pickup(pickup: PickupRecord, out: TextIO) -> None:
    """One courier pickup of ``show`` (date and window are local)."""
    window = (
        f"{pickup.pickup_date.isoformat()} {pickup.window_start:%H:%M}-{pickup.window_end:%H:%M}"
    )
    line = f"  #{pickup.id}  {pickup.status:<9} {window}  {pickup.address}"
    line += f"  order {_shown(pickup.courier_order_id)}"
    if pickup.courier_action:
        line += f"  to send: {pickup.courier_action} (tries {pickup.attempts})"
    print(line, file=out)
    if pickup.last_error:
        print(f"      last error: {pickup.last_error}", file=out)


def _retry_pickups(args: argparse.Namespace, out: TextIO) -> None:
    """Send due pickups to the configured courier once (``pickups-retry``)."""
    from bot.courier.sync import configured_courier, retry_due  # the courier sits on the store

    if args.url:
        raise UsageError("pickups-retry uses DATABASE_URL (the action server's store), not --url")
    if configured_courier() is None:
        raise UsageError("COURIER_URL is not set: pickups stay pending")
    done = retry_due(limit=args.limit)
    print(
        f"pickups: {done.tried} tried, {done.done} sent, {done.waiting} waiting, "
        f"{done.failed} failed",
        file=out,
    )


def _set_quote(args: argparse.Namespace, out: TextIO) -> None:
    lines = [parse_part(spec) for spec in args.part]
    parts = [QuotePart(name=p.name, amount_fen=p.amount_fen, part_id=p.part_id) for p in lines]
    labour = parse_yuan(args.labour)
    for attempt in (1, 2):  # a quote set at the same moment: try once more, then report it
        try:
            with session_scope(args.url) as session:
                quote = set_quote(
                    session,
                    ticket_no=args.ticket_no,
                    parts=parts,
                    labour_fen=labour,
                    set_by=args.by,
                    note=args.note,
                )
            break
        except QuoteConflict:
            if attempt == 2:
                raise
    print(f"{quote.ticket_no}: quote #{quote.id} pending, owner notified", file=out)
    _print_quote(quote, out)


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
            quotes = list_quotes(session, ticket_no=ticket.ticket_no)
            pickups = list_pickups(session, ticket_no=ticket.ticket_no)
        _print_ticket(ticket, out)
        print("history:", file=out)
        for change in history:
            _print_change(change, out)
        print("quotes:" if quotes else "quotes: -", file=out)
        for quote in quotes:
            _print_quote(quote, out)
        print("pickups:" if pickups else "pickups: -", file=out)  # after-sales: pickup
        for pickup in pickups:
            _print_pickup(pickup, out)
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
    elif args.command == "quote":
        _set_quote(args, out)
    elif args.command == "quote-decision":
        with session_scope(url) as session:
            decided = decide_quote(
                session,
                ticket_no=args.ticket_no,
                decision=args.decision,
                via="cli",
                decided_by=args.by,
            )
        print(f"{decided.ticket_no}: quote #{decided.id} {decided.status}", file=out)
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
    elif args.command == "import-warranty-cards":
        _import_warranty_cards(args, out)
    elif args.command == "pickups-retry":
        _retry_pickups(args, out)


def _import_warranty_cards(args: argparse.Namespace, out: TextIO) -> None:
    """Check every line of the CSV; import all cards, or none when a line is bad."""
    # The CLI is where the store meets the intake's IMEI check and the catalogue's models.
    from bot.catalog import load_catalogue
    from bot.intake.serial import IMEI_LENGTH, luhn_valid

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path} as UTF-8 text: {exc}") from None
    rows, errors = read_card_rows(
        text,
        is_imei=lambda value: len(value) == IMEI_LENGTH and luhn_valid(value),
        known_models={device.id for device in load_catalogue().devices},
        today=get_settings().today(),
    )
    if errors:
        for error in errors:
            print(f"{path.name}: {error}", file=sys.stderr)
        raise UsageError(f"{len(errors)} bad line(s) in {path.name}; nothing imported")
    with session_scope(args.url) as session:
        counts = import_cards(session, rows, source=args.source or path.name)
    print(
        f"warranty cards from {path.name}: {counts.added} added, {counts.updated} updated, "
        f"{counts.unchanged} unchanged",
        file=out,
    )


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
        (TicketNotFound, TicketNotCancellable, QuoteNotAllowed, NoPendingQuote, QuoteConflict),
    )


if __name__ == "__main__":
    sys.exit(main())

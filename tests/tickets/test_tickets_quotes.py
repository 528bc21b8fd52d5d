"""Repair quotes (bot.tickets.quotes): set by staff, decided by the owner, on both backends."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.intake.quote_parts import parse_part, parse_yuan
from bot.tickets import (
    TicketNotFound,
    TicketRecord,
    get_ticket,
    migrate,
    set_status,
    status_history,
)
from bot.tickets.cli import main
from bot.tickets.db import session_scope
from bot.tickets.models.outbox import NoticeOutbox
from bot.tickets.models.quotes import TicketQuote, TicketQuotePart
from bot.tickets.quotes import (
    NoPendingQuote,
    QuoteChanged,
    QuoteConflict,
    QuoteNotAllowed,
    QuotePart,
    decide_quote,
    format_yuan,
    list_quotes,
    pending_quote,
    quote_ticket_no,
    set_quote,
)
from tests.tickets.conftest import PostgresServer
from tests.tickets.helpers import new_ticket

UTC = dt.timezone.utc
MakeTicket = Callable[..., TicketRecord]
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
LATER = T0 + dt.timedelta(days=10)
SCREEN = QuotePart(name="屏幕总成", amount_fen=89_900, part_id="screen")


def _quoted(session: Session, ticket: TicketRecord, **overrides: object) -> object:
    values: dict[str, object] = {
        "ticket_no": ticket.ticket_no,
        "parts": [SCREEN, QuotePart(name="排线", amount_fen=1_250)],
        "labour_fen": 10_000,
        "set_by": "staff-7",
        "now": LATER,
    }
    values.update(overrides)
    return set_quote(session, **values)  # type: ignore[arg-type]


def _notices(session: Session, event: str) -> list[NoticeOutbox]:
    rows = session.execute(select(NoticeOutbox).where(NoticeOutbox.event == event)).scalars()
    return list(rows)


# --------------------------------------------------------------------------- setting a quote


def test_set_quote_stores_parts_labour_and_total_and_tells_the_owner(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)
    quote = set_quote(
        session,
        ticket_no=ticket.ticket_no.lower(),
        parts=[SCREEN, QuotePart(name=" 排线 ", amount_fen=1_250)],
        labour_fen=10_000,
        set_by="staff-7",
        note="屏幕排线也要换",
        now=LATER,
    )
    assert quote.is_pending
    assert (quote.parts_fen, quote.labour_fen, quote.total_fen) == (91_150, 10_000, 101_150)
    assert quote.currency == "CNY"
    assert quote.parts == (SCREEN, QuotePart(name="排线", amount_fen=1_250))
    assert (quote.set_by, quote.set_at, quote.decided_at) == ("staff-7", LATER, None)
    row = session.execute(select(TicketQuote)).scalar_one()
    assert (row.ticket_id, row.status, row.total_fen) == (ticket.id, "pending", 101_150)
    parts = session.execute(select(TicketQuotePart).order_by(TicketQuotePart.position)).scalars()
    assert [(p.position, p.part_id, p.name, p.amount_fen) for p in parts] == [
        (1, "screen", "屏幕总成", 89_900),
        (2, None, "排线", 1_250),
    ]
    [notice] = _notices(session, "quote_ready")
    assert notice.ticket_id == ticket.id
    assert notice.params["total"] == "1011.50"
    assert notice.params["quote_id"] == str(quote.id)  # a reply "同意维修 #id" pins it
    # Setting a quote is not a status change.
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "submitted"  # type: ignore[union-attr]
    assert pending_quote(session, ticket_no=ticket.ticket_no) == quote


def test_a_new_quote_supersedes_the_pending_one(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0)
    first = _quoted(session, ticket)
    second = _quoted(session, ticket, parts=[], labour_fen=5_000, now=LATER + dt.timedelta(hours=1))
    quotes = list_quotes(session, ticket_no=ticket.ticket_no)
    assert [(q.id, q.status, q.total_fen) for q in quotes] == [
        (first.id, "superseded", 101_150),  # type: ignore[attr-defined]
        (second.id, "pending", 5_000),  # type: ignore[attr-defined]
    ]
    assert pending_quote(session, ticket_no=ticket.ticket_no) == second
    assert len(_notices(session, "quote_ready")) == 2


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_closed_tickets_get_no_quote(
    session: Session, make_ticket: MakeTicket, status: str
) -> None:
    ticket = make_ticket(now=T0)
    set_status(session, ticket_no=ticket.ticket_no, status=status, changed_by="staff", now=LATER)
    with pytest.raises(QuoteNotAllowed):
        _quoted(session, ticket, now=LATER + dt.timedelta(hours=1))
    assert list_quotes(session, ticket_no=ticket.ticket_no) == []


@pytest.mark.parametrize(
    ("parts", "labour"),
    [
        ([QuotePart(name="屏幕", amount_fen=-1)], 0),
        ([QuotePart(name="屏幕", amount_fen=899.0)], 0),  # type: ignore[arg-type]
        ([QuotePart(name="  ", amount_fen=100)], 0),
        ([QuotePart(name="屏" * 65, amount_fen=100)], 0),
        ([], -100),
        ([], 10_000_001),
        ([QuotePart(name=f"p{i}", amount_fen=1) for i in range(21)], 0),
        ([], 0),
    ],
)
def test_bad_quotes_are_refused_and_nothing_is_stored(
    session: Session, make_ticket: MakeTicket, parts: list[QuotePart], labour: int
) -> None:
    ticket = make_ticket(now=T0)
    with pytest.raises(ValueError):
        _quoted(session, ticket, parts=parts, labour_fen=labour)
    assert list_quotes(session, ticket_no=ticket.ticket_no) == []
    assert _notices(session, "quote_ready") == []


def test_unknown_ticket(session: Session) -> None:
    with pytest.raises(TicketNotFound):
        set_quote(session, ticket_no="R20261122-9999", parts=[], labour_fen=1, set_by="staff")
    with pytest.raises(TicketNotFound):
        decide_quote(
            session, ticket_no="R20261122-9999", decision="approve", via="chat", decided_by="x"
        )


# --------------------------------------------------------------------------- the database


def test_the_database_checks_the_total_and_one_pending_quote(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)
    values = {
        "ticket_id": ticket.id,
        "status": "pending",
        "currency": "CNY",
        "parts_fen": 100,
        "labour_fen": 50,
        "set_by": "staff",
        "set_at": LATER,
    }
    with session.begin_nested(), pytest.raises(IntegrityError):
        session.add(TicketQuote(**values, total_fen=200))
        session.flush()
    with session.begin_nested(), pytest.raises(IntegrityError):
        session.add(TicketQuote(**{**values, "status": "approved"}, total_fen=150))
        session.flush()  # a decided quote needs its decision
    session.add(TicketQuote(**values, total_fen=150))
    session.flush()
    with session.begin_nested(), pytest.raises(IntegrityError):
        session.add(TicketQuote(**values, total_fen=150))
        session.flush()


# --------------------------------------------------------------------------- decisions


def test_approval_moves_the_ticket_to_repairing_with_the_decision_in_history(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)
    set_status(session, ticket_no=ticket.ticket_no, status="diagnosing", changed_by="s", now=LATER)
    quote = _quoted(session, ticket, now=LATER + dt.timedelta(hours=1))
    decided_at = LATER + dt.timedelta(hours=2)
    decided = decide_quote(
        session,
        ticket_no=ticket.ticket_no,
        decision="approve",
        via="chat",
        decided_by="owner:rest:abc",
        now=decided_at,
    )
    assert decided.id == quote.id  # type: ignore[attr-defined]
    assert (decided.status, decided.decided_via, decided.decided_by, decided.decided_at) == (
        "approved",
        "chat",
        "owner:rest:abc",
        decided_at,
    )
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "repairing"  # type: ignore[union-attr]
    last = status_history(session, ticket_no=ticket.ticket_no)[-1]
    assert (last.status, last.changed_by, last.changed_at) == (
        "repairing",
        "owner:rest:abc",
        decided_at,
    )
    assert last.note == f"quote #{quote.id} (1011.50 CNY) approved by the owner via chat: repair"  # type: ignore[attr-defined]
    assert pending_quote(session, ticket_no=ticket.ticket_no) is None
    # The owner hears about the new status (bot.notify) like any other change.
    assert [n.params["status"] for n in _notices(session, "status_changed")][-1] == "repairing"


def test_a_decline_moves_the_ticket_to_returning_then_it_ships_back(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)  # mail-in
    set_status(session, ticket_no=ticket.ticket_no, status="diagnosing", changed_by="s", now=LATER)
    quote = _quoted(session, ticket, now=LATER + dt.timedelta(hours=1))
    decided = decide_quote(
        session,
        ticket_no=ticket.ticket_no,
        decision="decline",
        via="console",
        decided_by="agent:zhangsan",
        now=LATER + dt.timedelta(hours=3),
    )
    assert decided.status == "declined"
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "returning"  # type: ignore[union-attr]
    last = status_history(session, ticket_no=ticket.ticket_no)[-1]
    assert (last.status, last.changed_by) == ("returning", "agent:zhangsan")
    assert last.note == (
        f"quote #{quote.id} (1011.50 CNY) declined by the owner via console: "  # type: ignore[attr-defined]
        "return the phone unrepaired"
    )
    row = session.execute(select(TicketQuote)).scalar_one()
    assert (row.status, row.decided_via) == ("declined", "console")
    # The owner hears that the phone comes back unrepaired, by the status's own name.
    notice = _notices(session, "status_changed")[-1]
    assert notice.params["status"] == "returning"
    assert notice.params["status_name"] == "未维修，待退回"
    # Still open: staff ship the phone back with a tracking number as usual.
    assert get_ticket(session, ticket_no=ticket.ticket_no).is_open  # type: ignore[union-attr]
    set_status(
        session,
        ticket_no=ticket.ticket_no,
        status="shipped_back",
        changed_by="s",
        now=LATER + dt.timedelta(days=1),
        tracking_no="SF1234567890",
    )
    assert [h.status for h in status_history(session, ticket_no=ticket.ticket_no)][-3:] == [
        "diagnosing",
        "returning",
        "shipped_back",
    ]


def test_a_declined_store_ticket_is_collected(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0, service_type="store")
    _quoted(session, ticket)
    decide_quote(
        session, ticket_no=ticket.ticket_no, decision="decline", via="chat", decided_by="o"
    )
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "returning"  # type: ignore[union-attr]
    set_status(session, ticket_no=ticket.ticket_no, status="completed", changed_by="s")
    statuses = [h.status for h in status_history(session, ticket_no=ticket.ticket_no)]
    assert statuses == ["submitted", "returning", "completed"]


def test_a_quote_is_decided_once(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0)
    with pytest.raises(NoPendingQuote):
        decide_quote(
            session, ticket_no=ticket.ticket_no, decision="approve", via="chat", decided_by="o"
        )
    _quoted(session, ticket)
    decide_quote(
        session,
        ticket_no=ticket.ticket_no,
        decision="approve",
        via="chat",
        decided_by="o",
        now=LATER + dt.timedelta(hours=1),
    )
    with pytest.raises(NoPendingQuote):
        decide_quote(
            session,
            ticket_no=ticket.ticket_no,
            decision="decline",
            via="chat",
            decided_by="o",
            now=LATER + dt.timedelta(hours=2),
        )
    assert [q.status for q in list_quotes(session, ticket_no=ticket.ticket_no)] == ["approved"]


@pytest.mark.parametrize(
    ("decision", "via", "by"),
    [("maybe", "chat", "o"), ("approve", "phone", "o"), ("approve", "chat", " ")],
)
def test_bad_decisions_are_refused(
    session: Session, make_ticket: MakeTicket, decision: str, via: str, by: str
) -> None:
    ticket = make_ticket(now=T0)
    _quoted(session, ticket)
    with pytest.raises(ValueError):
        decide_quote(session, ticket_no=ticket.ticket_no, decision=decision, via=via, decided_by=by)
    assert pending_quote(session, ticket_no=ticket.ticket_no) is not None


def test_a_closed_ticket_takes_no_decision(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0)
    _quoted(session, ticket)
    set_status(
        session,
        ticket_no=ticket.ticket_no,
        status="cancelled",
        changed_by="s",
        now=LATER + dt.timedelta(hours=1),
    )
    with pytest.raises(QuoteNotAllowed):
        decide_quote(
            session,
            ticket_no=ticket.ticket_no,
            decision="approve",
            via="chat",
            decided_by="o",
            now=LATER + dt.timedelta(hours=2),
        )
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "cancelled"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("text", "fen"),
    [("899", 89_900), ("899.5", 89_950), ("899.05", 89_905), ("￥1,299.00", 129_900), ("0", 0)],
)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "-1", "8.999", "abc", "1e3", "12.3.4"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_format_yuan() -> None:
    assert [format_yuan(f) for f in (0, 89_900, 89_950, 89_905)] == ["0", "899", "899.50", "899.05"]


def test_parse_part_takes_the_catalogue_name_when_the_label_names_a_part() -> None:
    assert parse_part("屏幕=899") == parse_part("screen＝899")
    assert parse_part("屏幕=899").part_id == "screen"
    assert parse_part("屏幕=899").name == "屏幕总成"
    other = parse_part("屏幕排线=12.5")
    assert (other.part_id, other.name, other.amount_fen) == (None, "屏幕排线", 1_250)
    for bad in ("屏幕", "=899", "屏幕=abc"):
        with pytest.raises(ValueError):
            parse_part(bad)


# --------------------------------------------------------------------------- admin command line


@pytest.fixture
def cli_url(tmp_path: Path) -> str:
    db_url = f"sqlite:///{tmp_path / 'cli' / 'tickets.db'}"
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def cli_ticket(cli_url: str, ticket_fields: Callable[..., dict[str, Any]]) -> str:
    with session_scope(cli_url) as session:
        ticket, _ = new_ticket(session, **ticket_fields(now=T0))
    return ticket.ticket_no


def test_cli_quote_then_show(
    cli_url: str, cli_ticket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--url", cli_url, "quote", cli_ticket, "--part", "屏幕=899", "--part", "排线=12.5"]
    assert main([*argv, "--labour", "100", "--by", "staff-7", "--note", "排线老化"]) == 0
    out = capsys.readouterr().out
    assert f"{cli_ticket}: quote #" in out
    assert "total 1011.50 CNY" in out
    with session_scope(cli_url) as session:
        [quote] = list_quotes(session, ticket_no=cli_ticket)
    assert (quote.status, quote.set_by, quote.labour_fen, quote.total_fen) == (
        "pending",
        "staff-7",
        10_000,
        101_150,
    )
    assert [(p.part_id, p.name, p.amount_fen) for p in quote.parts] == [
        ("screen", "屏幕总成", 89_900),
        (None, "排线", 1_250),
    ]
    assert main(["--url", cli_url, "show", cli_ticket]) == 0
    shown = capsys.readouterr().out.split("quotes:")[1]
    assert "pending" in shown
    assert "屏幕总成: 899" in shown
    assert "labour: 100" in shown
    assert "note: 排线老化" in shown


def test_cli_quote_decision(
    cli_url: str, cli_ticket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", cli_url, "quote-decision", cli_ticket, "approve"]) == 2
    assert "no pending quote" in capsys.readouterr().err
    assert main(["--url", cli_url, "quote", cli_ticket, "--labour", "50"]) == 0
    assert main(["--url", cli_url, "quote-decision", cli_ticket, "decline", "--by", "hotline"]) == 0
    assert "declined" in capsys.readouterr().out
    with session_scope(cli_url) as session:
        last = status_history(session, ticket_no=cli_ticket)[-1]
    assert (last.status, last.changed_by) == ("returning", "hotline")
    assert "declined by the owner via cli" in (last.note or "")


@pytest.mark.parametrize(
    "extra", [["--part", "屏幕"], ["--part", "屏幕=-5"], ["--labour", "abc"], ["--by", " "]]
)
def test_cli_quote_bad_input(
    cli_url: str, cli_ticket: str, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    assert main(["--url", cli_url, "quote", cli_ticket, *extra]) == 2
    assert capsys.readouterr().err.startswith("error:")
    with session_scope(cli_url) as session:
        assert list_quotes(session, ticket_no=cli_ticket) == []


def test_cli_quote_unknown_or_closed_ticket(
    cli_url: str, cli_ticket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", cli_url, "quote", "R20261122-9999", "--labour", "50"]) == 2
    assert main(["--url", cli_url, "set-status", cli_ticket, "cancelled"]) == 0
    assert main(["--url", cli_url, "quote", cli_ticket, "--labour", "50"]) == 2
    assert "open tickets only" in capsys.readouterr().err


def test_a_decision_on_a_replaced_quote_is_refused(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)
    first = _quoted(session, ticket)
    _quoted(session, ticket, labour_fen=0, now=LATER + dt.timedelta(hours=1))
    with pytest.raises(QuoteChanged):
        decide_quote(
            session,
            ticket_no=ticket.ticket_no,
            decision="decline",
            via="chat",
            decided_by="user",
            quote_id=first.id,  # type: ignore[attr-defined]
            now=LATER + dt.timedelta(hours=2),
        )
    assert [q.status for q in list_quotes(session, ticket_no=ticket.ticket_no)] == [
        "superseded",
        "pending",
    ]


def test_quote_ticket_no(session: Session, make_ticket: MakeTicket) -> None:
    ticket = make_ticket(now=T0)
    first = _quoted(session, ticket)
    assert quote_ticket_no(session, quote_id=first.id) == ticket.ticket_no  # type: ignore[attr-defined]
    assert quote_ticket_no(session, quote_id=first.id + 1000) is None  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- a returning ticket


def test_an_owner_who_changed_their_mind_gets_a_new_quote_and_approves_it(
    session: Session, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket(now=T0)
    _quoted(session, ticket)
    decide_quote(
        session,
        ticket_no=ticket.ticket_no,
        decision="decline",
        via="chat",
        decided_by="user",
        now=LATER + dt.timedelta(hours=1),
    )
    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "returning"  # type: ignore[union-attr]

    again = _quoted(session, ticket, labour_fen=0, now=LATER + dt.timedelta(hours=2))
    decide_quote(
        session,
        ticket_no=ticket.ticket_no,
        decision="approve",
        via="chat",
        decided_by="user",
        quote_id=again.id,  # type: ignore[attr-defined]
        now=LATER + dt.timedelta(hours=3),
    )

    assert get_ticket(session, ticket_no=ticket.ticket_no).status == "repairing"  # type: ignore[union-attr]
    assert [q.status for q in list_quotes(session, ticket_no=ticket.ticket_no)] == [
        "declined",
        "approved",
    ]
    history = [h.status for h in status_history(session, ticket_no=ticket.ticket_no)]
    assert history[-2:] == ["returning", "repairing"]


# --------------------------------------------------------------------------- two staff at once


@pytest.fixture
def pg_ticket(
    postgres_server: PostgresServer, ticket_fields: Callable[..., dict[str, Any]]
) -> tuple[str, str]:
    """A migrated PostgreSQL store with one ticket: (URL, ticket number)."""
    url = postgres_server.create_database()
    migrate.upgrade(url)
    with session_scope(url) as session:
        ticket, _ = new_ticket(session, **ticket_fields(now=T0))
    return url, ticket.ticket_no


def _run_together(*work: Callable[[], None]) -> list[BaseException]:
    """Run the callables in threads at the same moment; the errors they raised."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # reported to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.postgres
def test_two_staff_setting_a_quote_at_the_same_moment_both_succeed_in_turn(
    pg_ticket: tuple[str, str],
) -> None:
    url, ticket_no = pg_ticket
    ready = threading.Barrier(2, timeout=10)

    def staff(name: str, labour_fen: int) -> Callable[[], None]:
        def work() -> None:
            with session_scope(url) as session:
                ready.wait()  # both transactions are open before either sets its quote
                set_quote(
                    session, ticket_no=ticket_no, parts=[], labour_fen=labour_fen, set_by=name
                )
                time.sleep(0.3)  # keep the transaction open while the other one runs

        return work

    assert _run_together(staff("staff-1", 5_000), staff("staff-2", 6_000)) == []
    with session_scope(url) as session:
        quotes = list_quotes(session, ticket_no=ticket_no)
    assert sorted(q.status for q in quotes) == ["pending", "superseded"]
    assert {q.set_by for q in quotes} == {"staff-1", "staff-2"}


@pytest.mark.postgres
def test_a_quote_stored_by_another_transaction_meanwhile_is_superseded_by_the_cli(
    pg_ticket: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Another transaction stores a pending quote (not through set_quote) while the CLI runs.

    Its insert holds a key-share lock on the ticket (the foreign key), so the CLI's ticket lock
    waits for its commit and then supersedes it instead of hitting the unique index.
    """
    url, ticket_no = pg_ticket
    inserted = threading.Event()

    def other_writer() -> None:
        with session_scope(url) as session:
            ticket = get_ticket(session, ticket_no=ticket_no)
            assert ticket is not None
            session.add(
                TicketQuote(
                    ticket_id=ticket.id,
                    status="pending",
                    currency="CNY",
                    parts_fen=0,
                    labour_fen=100,
                    total_fen=100,
                    set_by="other",
                    set_at=LATER,
                )
            )
            session.flush()
            inserted.set()
            time.sleep(1.0)  # the CLI waits on the ticket lock meanwhile

    def cli() -> None:
        assert inserted.wait(10)
        assert main(["--url", url, "quote", ticket_no, "--labour", "50", "--by", "staff"]) == 0

    assert _run_together(other_writer, cli) == []
    assert f"{ticket_no}: quote #" in capsys.readouterr().out
    with session_scope(url) as session:
        quotes = list_quotes(session, ticket_no=ticket_no)
    assert [(q.set_by, q.status) for q in quotes] == [
        ("other", "superseded"),
        ("staff", "pending"),
    ]


def test_set_quote_turns_the_unique_index_into_a_quote_conflict(
    session: Session, make_ticket: MakeTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pending quote the lookup did not see (stored meanwhile) hits the unique index."""
    ticket = make_ticket(now=T0)
    first = _quoted(session, ticket)
    monkeypatch.setattr("bot.tickets.quotes._pending_row", lambda *args, **kwargs: None)

    with session.begin_nested(), pytest.raises(QuoteConflict) as raised:
        _quoted(session, ticket, labour_fen=0, now=LATER + dt.timedelta(hours=1))

    assert raised.value.ticket_no == ticket.ticket_no
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert [q.id for q in list_quotes(session, ticket_no=ticket.ticket_no)] == [first.id]  # type: ignore[attr-defined]


def test_cli_quote_conflict_twice_is_exit_2_with_a_message(
    cli_url: str,
    cli_ticket: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pending quote stays unseen by the lookup (as if stored meanwhile), twice."""
    assert main(["--url", cli_url, "quote", cli_ticket, "--labour", "50"]) == 0
    capsys.readouterr()
    lookups: list[int] = []

    def unseen(session: Session, ticket_id: int, *, lock: bool = False) -> None:
        lookups.append(ticket_id)

    monkeypatch.setattr("bot.tickets.quotes._pending_row", unseen)

    assert main(["--url", cli_url, "quote", cli_ticket, "--labour", "60"]) == 2

    assert len(lookups) == 2  # tried once more
    assert "another quote was set at the same moment" in capsys.readouterr().err
    with session_scope(cli_url) as session:
        quotes = list_quotes(session, ticket_no=cli_ticket)
    assert [(q.status, q.labour_fen) for q in quotes] == [("pending", 5_000)]

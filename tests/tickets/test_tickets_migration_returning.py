"""Migration 0013_returning_status: the ``returning`` status, kept rows, a lossless downgrade."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, String, column, func, select, table
from sqlalchemy.exc import IntegrityError

from bot.tickets import migrate, set_status
from bot.tickets.db import build_engine, session_scope
from bot.tickets.models import UTCDateTime
from bot.tickets.quotes import decide_quote, set_quote
from tests.tickets.helpers import new_ticket

Fields = Callable[..., dict[str, Any]]
BEFORE = "0012_diagnosis_outcome"
REVISION = "0013_returning_status"
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
#: Tables whose rows refer to ``tickets`` (SQLite's batch mode rebuilds ``tickets``).
CHILDREN = ("ticket_status_history", "ticket_quotes", "notice_outbox")

_history = table(
    "ticket_status_history",
    column("ticket_id", Integer),
    column("status", String),
    column("note", String),
    column("changed_by", String),
    column("changed_at", UTCDateTime),
)
_tickets = table("tickets", column("id", Integer), column("status", String))


def _counts(url: str, names: tuple[str, ...] = ("tickets", *CHILDREN)) -> dict[str, int]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def _rows(url: str) -> tuple[list[str], list[tuple[str, str | None]]]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            tickets = connection.execute(select(_tickets.c.status)).scalars().all()
            history = connection.execute(
                select(_history.c.status, _history.c.note).order_by(_history.c.changed_at)
            ).all()
            return list(tickets), [tuple(row) for row in history]  # type: ignore[misc]
    finally:
        engine.dispose()


def _insert_history(url: str, status: str) -> None:
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            ticket_id = connection.execute(select(_tickets.c.id)).scalar_one()
            connection.execute(
                _history.insert().values(
                    ticket_id=ticket_id, status=status, changed_by="t", changed_at=T0
                )
            )
    finally:
        engine.dispose()


def _refused(url: str, status: str) -> bool:
    try:
        _insert_history(url, status)
    except IntegrityError:
        return True
    return False


def test_upgrade_allows_returning_keeps_rows_and_downgrade_maps_it_to_ready(
    empty_db_url: str, ticket_fields: Fields
) -> None:
    migrate.upgrade(empty_db_url, BEFORE)
    with session_scope(empty_db_url) as session:
        ticket, _ = new_ticket(session, **ticket_fields(now=T0))
        set_status(
            session,
            ticket_no=ticket.ticket_no,
            status="diagnosing",
            changed_by="s",
            now=T0 + dt.timedelta(days=1),
        )
        set_quote(
            session,
            ticket_no=ticket.ticket_no,
            parts=[],
            labour_fen=5_000,
            set_by="s",
            now=T0 + dt.timedelta(days=2),
        )
    before = _counts(empty_db_url)
    assert before == {"tickets": 1, "ticket_status_history": 2, "ticket_quotes": 1} | {
        "notice_outbox": 2
    }
    assert _refused(empty_db_url, "returning")

    migrate.upgrade(empty_db_url, REVISION)
    assert migrate.current_revision(empty_db_url) == REVISION
    # Rebuilding ``tickets`` (SQLite) deletes no row referring to it.
    assert _counts(empty_db_url) == before
    with session_scope(empty_db_url) as session:
        decide_quote(
            session,
            ticket_no=ticket.ticket_no,
            decision="decline",
            via="chat",
            decided_by="owner",
            now=T0 + dt.timedelta(days=3),
        )
    assert _rows(empty_db_url)[0] == ["returning"]
    assert _refused(empty_db_url, "flying")

    migrate.downgrade(empty_db_url, BEFORE)
    assert migrate.current_revision(empty_db_url) == BEFORE
    assert _counts(empty_db_url) == before | {"ticket_status_history": 3, "notice_outbox": 3}
    tickets, history = _rows(empty_db_url)
    assert tickets == ["ready"]
    assert [status for status, _ in history] == ["submitted", "diagnosing", "ready"]
    note = history[-1][1] or ""
    assert "declined by the owner via chat" in note
    assert note.endswith("[returning: quote declined, phone returned unrepaired]")
    assert _refused(empty_db_url, "returning")

    # And up again.
    migrate.upgrade(empty_db_url)
    assert not _refused(empty_db_url, "returning")


def test_rebuilding_tickets_in_batch_mode_keeps_their_history(
    empty_db_url: str, ticket_fields: Fields
) -> None:
    """Earlier batch rebuilds of ``tickets`` (0010 adds a CHECK) lose no history either."""
    migrate.upgrade(empty_db_url, "0009_pickups")
    engine = build_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            fields = ticket_fields(now=T0)
            del fields["now"]
            values = {**fields, "ticket_no": "R20261122-0001", "status": "received"}
            times = (column("created_at", UTCDateTime), column("updated_at", UTCDateTime))
            tickets = table("tickets", *(column(name) for name in values), *times)
            connection.execute(tickets.insert().values(**values, created_at=T0, updated_at=T0))
    finally:
        engine.dispose()
    _insert_history(empty_db_url, "submitted")
    migrate.upgrade(empty_db_url, "0010_warranty_cards")
    assert _counts(empty_db_url, ("tickets", "ticket_status_history")) == {
        "tickets": 1,
        "ticket_status_history": 1,
    }

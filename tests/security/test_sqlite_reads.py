"""Attack: hold a write transaction on the SQLite ticket store and watch readers wait for it.

Every transaction of the ticket store used to start with ``BEGIN IMMEDIATE``, the write
lock, even to read: while any other connection wrote (a ticket being created, a long
console export), a returning owner's greeting, the warranty check and the duplicate check
of the intake waited for it (up to 30 s) and then gave up. Reads now run in
``session_scope(readonly=True)``, a deferred ``BEGIN`` that takes no write lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from bot.settings import get_settings
from bot.tickets import (
    TicketDraft,
    TicketStoreUnavailable,
    create_ticket,
    latest_open_ticket_for_sender,
    session_scope,
)
from bot.tickets import db as ticket_db
from bot.tickets.migrate import upgrade
from bot.tickets.models import Ticket
from tests.security.action_calls import DOMAIN, tracker_state

#: The busy timeout of these tests: a blocked transaction fails after this long.
BUSY_SECONDS = 2.0

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A migrated SQLite ticket store with one open ticket of ``owner-1``; yields its path."""
    path = tmp_path / "tickets.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(ticket_db, "SQLITE_BUSY_TIMEOUT", BUSY_SECONDS)
    get_settings.cache_clear()
    ticket_db.dispose_engines()
    upgrade(url)
    with session_scope() as session:
        create_ticket(
            session,
            TicketDraft(
                intake_id="intake-1",
                sender_id="owner-1",
                channel="socketio",
                device_model_id="oneplus-12",
                serial_number="861234567890125",
                purchase_date=None,
                warranty_status="to_verify",
                fault_category="screen",
                fault_description="屏幕有绿线",
                service_type="mail_in",
                city=None,
                contact_phone="13912345678",
            ),
        )
    yield path
    ticket_db.dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def writer(store: Path) -> Iterator[sqlite3.Connection]:
    """Another connection in the middle of a write transaction (it holds the write lock)."""
    connection = sqlite3.connect(store, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE tickets SET fault_description = fault_description")
    yield connection
    connection.execute("ROLLBACK")
    connection.close()


def test_a_read_does_not_wait_for_another_writer(writer: sqlite3.Connection) -> None:
    started = time.monotonic()
    with session_scope(readonly=True) as session:
        ticket = latest_open_ticket_for_sender(session, sender_id="owner-1")
    elapsed = time.monotonic() - started

    assert ticket is not None and ticket.sender_id == "owner-1"
    assert elapsed < BUSY_SECONDS / 2, f"the read waited {elapsed:.1f} s for the writer"


def test_the_writer_really_holds_the_write_lock(writer: sqlite3.Connection) -> None:
    # The control: a writing scope does wait, then reports the store unavailable.
    started = time.monotonic()
    with pytest.raises(TicketStoreUnavailable), session_scope() as session:
        session.execute(select(func.count()).select_from(Ticket)).scalar_one()
    assert time.monotonic() - started >= BUSY_SECONDS * 0.9


def test_a_returning_owner_is_greeted_with_the_ticket_while_someone_writes(
    writer: sqlite3.Connection,
) -> None:
    from bot.actions.greet import ActionGreet

    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict(tracker_state("owner-1", intent="greet"))
    started = time.monotonic()
    asyncio.run(ActionGreet().run(dispatcher, tracker, DOMAIN))
    elapsed = time.monotonic() - started

    assert [m["response"] for m in dispatcher.messages] == ["utter_greet_returning"]
    assert dispatcher.messages[0]["ticket_no"].startswith("R")
    assert elapsed < BUSY_SECONDS / 2


def test_the_duplicate_and_warranty_checks_read_while_someone_writes(
    writer: sqlite3.Connection,
) -> None:
    from bot.actions.warranty_check import extended_until
    from bot.tickets import find_open_tickets_by_serial

    started = time.monotonic()
    with session_scope(readonly=True) as session:
        duplicates = find_open_tickets_by_serial(session, serial_number="861234567890125")
    assert extended_until("861234567890125") is None  # none recorded, and no error
    assert [t.intake_id for t in duplicates] == ["intake-1"]
    assert time.monotonic() - started < BUSY_SECONDS / 2


def test_a_read_scope_cannot_write(store: Path) -> None:
    with pytest.raises(RuntimeError, match="read-only"), session_scope(readonly=True) as session:
        ticket = session.execute(select(Ticket)).scalars().one()
        ticket.fault_description = "改过了"
        session.flush()
    with session_scope(readonly=True) as session:
        description = session.execute(select(Ticket.fault_description)).scalar_one()
    assert description == "屏幕有绿线"

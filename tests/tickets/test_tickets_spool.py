"""The spool of tickets kept while the store is down, and the retrier that drains it."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.tickets import session_scope, upgrade
from bot.tickets.models import Ticket
from bot.tickets.retrier import TicketRetrier, drain
from bot.tickets.spool import CREATED, FAILED, PENDING, KeptTicket, SpoolUnavailable, TicketSpool


def kept(intake_id: str = "intake-1", **overrides: object) -> KeptTicket:
    values: dict[str, object] = {
        "intake_id": intake_id,
        "sender_id": "user-1",
        "channel": "wechat",
        "device_model_id": "oneplus-12",
        "serial_number": "861234567890125",
        "purchase_date": dt.date(2026, 3, 1),
        "warranty_status": "in_warranty",
        "fault_category": "screen",
        "fault_description": "屏幕碎了",
        "service_type": "mail_in",
        "city": None,
        "contact_phone": "13800138000",
        **overrides,
    }
    return KeptTicket(**values)  # type: ignore[arg-type]


@pytest.fixture
def spool(tmp_path: Path) -> TicketSpool:
    return TicketSpool(tmp_path / "var" / "ticket_spool.db")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    from bot.settings import get_settings

    get_settings.cache_clear()
    upgrade(url)
    return url


def test_kept_ticket_round_trips_through_json() -> None:
    ticket = kept()
    assert KeptTicket.from_json(ticket.to_json()) == ticket
    assert KeptTicket.from_json(kept(purchase_date=None).to_json()).purchase_date is None


def test_a_row_kept_by_another_version_still_reads() -> None:
    """A field added since the row was kept is None; a field since removed is ignored."""
    row = json.loads(kept().to_json())
    del row["city"]
    row["pickup_address"] = "科技园 1 号"
    assert KeptTicket.from_json(json.dumps(row)) == kept(city=None)


def test_keep_is_durable_owner_only_and_idempotent(spool: TicketSpool) -> None:
    assert spool.get("intake-1") is None and spool.pending() == []
    assert not spool.path.exists()  # reading creates nothing

    spool.keep(kept())
    spool.mark_created("intake-1", "R20261122-0001")
    spool.keep(kept(fault_description="changed"))  # the same intake again: left as it is

    entry = spool.get("intake-1")
    assert entry is not None
    assert (entry.state, entry.ticket_no, entry.ticket.fault_description) == (
        CREATED,
        "R20261122-0001",
        "屏幕碎了",
    )
    assert os.stat(spool.path).st_mode & 0o777 == 0o600
    with sqlite3.connect(spool.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_attempts_purge_and_discard(spool: TicketSpool) -> None:
    spool.keep(kept("a"))
    spool.keep(kept("b"))
    spool.record_attempt("a", "down")
    spool.record_attempt("b", "x" * 2000, failed=True)
    assert [e.ticket.intake_id for e in spool.pending()] == ["a"]
    a, b = spool.get("a"), spool.get("b")
    assert a is not None and (a.attempts, a.last_error, a.state) == (1, "down", PENDING)
    assert b is not None and b.state == FAILED and len(b.last_error or "") == 500

    spool.mark_created("a", "R1")
    assert spool.purge_created(dt.timedelta(days=1)) == 0
    assert spool.purge_created(dt.timedelta(seconds=-1)) == 1
    spool.discard("b")
    assert spool.get("a") is None and spool.get("b") is None


def test_an_unusable_spool_path_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SpoolUnavailable):
        TicketSpool(blocker / "ticket_spool.db").keep(kept())


def test_drain_creates_each_kept_ticket_once_and_links_nothing_twice(
    spool: TicketSpool, store: str
) -> None:
    spool.keep(kept("a"))
    spool.keep(kept("b", service_type="home", city="北京"))

    assert drain(spool) == 2
    assert drain(spool) == 0  # nothing pending any more

    with session_scope(readonly=True) as session:
        intakes = session.execute(select(Ticket.intake_id).order_by(Ticket.id)).scalars().all()
    assert intakes == ["a", "b"]
    assert [spool.get(i).state for i in ("a", "b")] == [CREATED, CREATED]  # type: ignore[union-attr]


def test_drain_stops_while_the_store_is_down(
    spool: TicketSpool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@127.0.0.1:1/x")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
    get_settings.cache_clear()
    spool.keep(kept("a"))
    spool.keep(kept("b"))

    assert drain(spool) == 0
    a, b = spool.get("a"), spool.get("b")
    assert a is not None and a.attempts == 1 and a.state == PENDING
    assert b is not None and b.attempts == 0  # not tried: the store is down


def test_values_the_store_refuses_are_not_retried(spool: TicketSpool, store: str) -> None:
    spool.keep(kept("bad", service_type="teleport"))
    spool.keep(kept("good"))

    assert drain(spool) == 1
    bad = spool.get("bad")
    assert bad is not None and bad.state == FAILED
    assert (bad.last_error or "").startswith("ValueError")


def test_the_retrier_thread_drains_at_start(spool: TicketSpool, store: str) -> None:
    spool.keep(kept("a"))
    retrier = TicketRetrier(spool, interval=60)
    retrier.start()
    try:
        for _ in range(100):
            entry = spool.get("a")
            if entry is not None and entry.state == CREATED:
                break
            time.sleep(0.05)
    finally:
        retrier.stop()
    entry = spool.get("a")
    assert entry is not None and entry.state == CREATED

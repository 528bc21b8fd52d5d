"""Concurrent ticket creation with separate sessions on real (committed) databases."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from bot.tickets import TicketRecord
from bot.tickets.db import session_scope
from bot.tickets.models import Ticket, TicketStatusHistory
from tests.tickets.helpers import new_ticket

Fields = Callable[..., dict[str, Any]]
CREATORS = 8
NOW = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.timezone.utc)


def _race(url: str, calls: list[dict[str, Any]]) -> list[tuple[TicketRecord, bool]]:
    barrier = threading.Barrier(len(calls))

    def create(fields: dict[str, Any]) -> tuple[TicketRecord, bool]:
        barrier.wait(timeout=30)
        with session_scope(url) as session:
            return new_ticket(session, **fields)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(create, calls, timeout=120))


def _counts(url: str) -> tuple[int, int]:
    with session_scope(url) as session:
        tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
        history = session.execute(
            select(func.count()).select_from(TicketStatusHistory)
        ).scalar_one()
    return int(tickets), int(history)


def test_concurrent_creators_get_distinct_numbers(fresh_db_url: str, ticket_fields: Fields) -> None:
    calls = [ticket_fields(intake_id=f"intake-{i}", now=NOW) for i in range(CREATORS)]
    results = _race(fresh_db_url, calls)
    numbers = sorted(ticket.ticket_no for ticket, _ in results)
    assert all(created for _, created in results)
    assert numbers == [f"R20261122-{i:04d}" for i in range(1, CREATORS + 1)]
    assert _counts(fresh_db_url) == (CREATORS, CREATORS)


def test_same_intake_from_two_threads_creates_one_ticket(
    fresh_db_url: str, ticket_fields: Fields
) -> None:
    fields = ticket_fields(intake_id="intake-shared", now=NOW)
    results = _race(fresh_db_url, [fields, dict(fields)])
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0] == results[1][0]
    assert _counts(fresh_db_url) == (1, 1)


def test_mixed_race_same_and_different_intakes(fresh_db_url: str, ticket_fields: Fields) -> None:
    calls = [ticket_fields(intake_id=f"intake-{i % 3}", now=NOW) for i in range(CREATORS)]
    results = _race(fresh_db_url, calls)
    by_intake: dict[str, set[str]] = {}
    for ticket, _ in results:
        by_intake.setdefault(ticket.intake_id, set()).add(ticket.ticket_no)
    assert all(len(numbers) == 1 for numbers in by_intake.values())
    assert sum(created for _, created in results) == 3
    assert _counts(fresh_db_url) == (3, 3)

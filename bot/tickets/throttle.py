"""Failure counters with a lockout, per key (table ``sign_in_throttle``).

The console throttles sign-ins per username and per client address with these counters
(:mod:`bot.console.throttle` makes the keys and holds the policy). An attempt is counted
when it starts (:func:`reserve`), before the password is checked, so attempts running at
the same time cannot exceed the limit; :func:`settle` then keeps it as a failure, or takes
it back. The caller owns the transaction, as in :mod:`bot.tickets.tickets`; on SQLite
each transaction holds the write lock and on PostgreSQL the rows are locked
(``FOR UPDATE``), so several Rasa workers count together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.tickets.checks import aware
from bot.tickets.models import SignInThrottle

#: Longest key the table holds.
KEY_MAX = 80


@dataclass(frozen=True)
class Limit:
    """One counter: its key and the failures allowed before it locks."""

    key: str
    max_failures: int


@dataclass(frozen=True)
class Policy:
    """How long failures count, and how long a lock lasts."""

    window: dt.timedelta
    lockout: dt.timedelta


def _row(session: Session, key: str, now: dt.datetime) -> Any:
    """The counter of ``key``, created (empty) when missing, locked for this transaction."""
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"throttle keys are 1 to {KEY_MAX} characters")
    query = select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = SignInThrottle(
                key=key, failures=0, window_started_at=now, locked_until=None, updated_at=now
            )
            session.add(row)
            session.flush()
        return row
    except IntegrityError:  # another worker created it meanwhile
        return session.execute(query).scalar_one()


def _fresh(row: Any, policy: Policy, now: dt.datetime) -> None:
    """Forget a lock that has ended and failures older than the window."""
    ended = row.locked_until is not None and row.locked_until <= now
    if ended or (row.locked_until is None and row.window_started_at + policy.window <= now):
        row.failures = 0
        row.locked_until = None
        row.window_started_at = now


def reserve(
    session: Session, limits: Sequence[Limit], policy: Policy, *, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Count an attempt that is about to run, unless a counter refuses it.

    Args:
        session: Session with a transaction owned by the caller.
        limits: The counters of this attempt (e.g. its username and its address).
        policy: Window and lockout.
        now: Time of the attempt (aware); default the current time.

    Returns:
        None when the attempt may run (every counter now counts it), or the end of the
        lock refusing it (nothing counted). A counter already at its limit (attempts
        still running) locks when it refuses.

    Raises:
        ValueError: An empty or too long key, or a naive ``now``.
    """
    at = aware(now)
    rows = [(_row(session, limit.key, at), limit) for limit in limits]
    refused: dt.datetime | None = None
    for row, limit in rows:
        _fresh(row, policy, at)
        if row.locked_until is None and row.failures >= limit.max_failures:
            row.locked_until = at + policy.lockout
        if row.locked_until is not None:
            refused = max(refused or row.locked_until, row.locked_until)
        row.updated_at = at
    if refused is None:
        for row, _ in rows:
            row.failures += 1
    session.flush()
    return refused


def settle(
    session: Session,
    limits: Sequence[Limit],
    policy: Policy,
    *,
    failed: bool,
    clear: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> None:
    """Keep a reserved attempt as a failure, or take it back.

    Args:
        session: Session with a transaction owned by the caller.
        limits: The counters given to :func:`reserve`.
        policy: Window and lockout.
        failed: Whether the attempt failed (counted; a counter at its limit locks) or
            not (uncounted).
        clear: Keys whose counter is removed altogether (after a success: the username's).
        now: Time (aware); default the current time.

    Raises:
        ValueError: A naive ``now``.
    """
    at = aware(now)
    for limit in limits:
        if limit.key in clear:
            continue
        row = _row(session, limit.key, at)
        if failed:
            if row.failures >= limit.max_failures and row.locked_until is None:
                row.locked_until = at + policy.lockout
        else:
            row.failures = max(0, row.failures - 1)
        row.updated_at = at
    if clear:
        session.execute(
            delete(SignInThrottle)
            .where(SignInThrottle.key.in_(list(clear)))
            .execution_options(synchronize_session=False)
        )
    session.flush()


def unlock(session: Session, *, key: str) -> bool:
    """Remove a counter (an operator lifting a lock).

    Returns:
        Whether there was one.
    """
    result = session.execute(
        delete(SignInThrottle)
        .where(SignInThrottle.key == key)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) > 0


def purge(session: Session, policy: Policy, *, now: dt.datetime | None = None) -> int:
    """Remove counters that no longer hold anything back (old failures, ended locks).

    Returns:
        How many were removed.

    Raises:
        ValueError: A naive ``now``.
    """
    at = aware(now)
    result = session.execute(
        delete(SignInThrottle)
        .where(
            SignInThrottle.updated_at <= at - policy.window,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= at),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)

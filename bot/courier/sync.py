"""Sends the pickups the ticket store keeps to the courier, and records the answers.

The action books in the store first, then calls :func:`send_pickup` once; whatever the
courier did not take (down, not configured) stays due and :func:`retry_due` sends it later:
from the action server's :class:`PickupRetrier` thread, or from the admin command
``python -m bot.tickets.cli pickups-retry`` (e.g. from cron). The courier is never called
inside a database transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from bot.catalog.courier import load_courier
from bot.courier.http import HttpCourier
from bot.courier.protocol import Courier, CourierRefused, CourierUnavailable, PickupOrder
from bot.settings import get_settings
from bot.tickets import get_ticket, session_scope
from bot.tickets.checks import utcnow
from bot.tickets.pickups import (
    PickupRecord,
    cancel_pickups_of_closed_tickets,
    due_pickups,
    get_pickup,
    record_courier_failure,
    record_courier_success,
)
from bot.tickets.retrier import PeriodicRound

logger = logging.getLogger(__name__)


def configured_courier() -> Courier | None:
    """The courier of the settings (``COURIER_URL``), or None when none is configured."""
    settings = get_settings()
    if not settings.courier_url:
        return None
    return HttpCourier(settings.courier_url, settings.courier_token, settings.courier_timeout)


def pickup_order(pickup: PickupRecord, contact_phone: str) -> PickupOrder:
    """What the courier is sent for ``pickup``; its reference is stable across retries."""
    return PickupOrder(
        reference=f"{pickup.ticket_no}/P{pickup.id}",
        contact_phone=contact_phone,
        province=pickup.province,
        city=pickup.city,
        district=pickup.district,
        street=pickup.street,
        date=pickup.pickup_date,
        window_start=pickup.window_start,
        window_end=pickup.window_end,
    )


def _call(courier: Courier, pickup: PickupRecord, order: PickupOrder) -> str | None:
    if pickup.courier_action == "book":
        return courier.book(order)
    if pickup.courier_order_id is None:
        raise CourierRefused(f"cannot {pickup.courier_action} a pickup without an order id")
    if pickup.courier_action == "change":
        courier.change(pickup.courier_order_id, order)
    else:
        courier.cancel(pickup.courier_order_id)
    return None


def send_pickup(
    pickup_id: int, courier: Courier | None = None, now: dt.datetime | None = None
) -> PickupRecord:
    """Tell the courier what pickup ``pickup_id`` still needs, and record the answer.

    Args:
        pickup_id: The pickup.
        courier: Default :func:`configured_courier`; with none, nothing is sent.
        now: The current time (aware), for the retry schedule.

    Returns:
        The pickup afterwards (``booked``, still ``pending``, ``failed`` ...).

    Raises:
        TicketStoreUnavailable: The ticket store cannot be reached.
        PickupNotFound: No such pickup.
    """
    courier = courier if courier is not None else configured_courier()
    with session_scope(readonly=True) as session:
        pickup = get_pickup(session, pickup_id=pickup_id)
        ticket = get_ticket(session, ticket_no=pickup.ticket_no)
    if courier is None or pickup.courier_action is None or ticket is None:
        return pickup
    policy = load_courier()
    try:
        order_id = _call(courier, pickup, pickup_order(pickup, ticket.contact_phone))
    except CourierUnavailable as error:
        attempts = pickup.attempts + 1
        at = now or utcnow()
        retry_at = at + policy.retry_delay(attempts) if attempts < policy.max_attempts else None
        logger.warning("courier unavailable for pickup %s (try %d): %s", pickup_id, attempts, error)
        with session_scope() as session:
            return record_courier_failure(
                session, sent=pickup, error=str(error), retry_at=retry_at, now=now
            )
    except CourierRefused as error:
        logger.error("courier refused pickup %s: %s", pickup_id, error)
        with session_scope() as session:
            return record_courier_failure(
                session, sent=pickup, error=str(error), retry_at=None, now=now
            )
    with session_scope() as session:
        return record_courier_success(session, sent=pickup, order_id=order_id, now=now)


@dataclass(frozen=True)
class RetrySummary:
    """What one retry round did."""

    tried: int
    done: int
    waiting: int
    failed: int


def retry_due(
    courier: Courier | None = None, now: dt.datetime | None = None, limit: int = 100
) -> RetrySummary:
    """Send every due pickup to the courier once (first cancelling those of closed tickets).

    Args:
        courier: Default :func:`configured_courier`; with none, nothing is tried.
        now: The current time (aware).
        limit: Most pickups tried in one round.

    Raises:
        TicketStoreUnavailable: The ticket store cannot be reached.
    """
    courier = courier if courier is not None else configured_courier()
    with session_scope() as session:
        # A ticket closed meanwhile (the owner cancelled it) needs no pickup any more.
        for cancelled in cancel_pickups_of_closed_tickets(session, now=now):
            logger.info("pickup %s cancelled: its ticket is closed", cancelled.id)
    if courier is None:
        return RetrySummary(0, 0, 0, 0)
    with session_scope(readonly=True) as session:
        due = due_pickups(session, now=now, limit=limit)
    done = waiting = failed = 0
    for pickup in due:
        after = send_pickup(pickup.id, courier, now)
        if after.courier_action is None and after.status != "failed":
            done += 1
        elif after.status == "failed":
            failed += 1
        else:
            waiting += 1
    return RetrySummary(len(due), done, waiting, failed)


class PickupRetrier(PeriodicRound):
    """Sends due pickups every ``interval`` seconds."""

    name = "pickup-retrier"
    first_at_start = False

    def __init__(self, interval: float | None = None) -> None:
        """Retry every ``interval`` s (default ``COURIER_RETRY_SECONDS``)."""
        super().__init__(interval or get_settings().courier_retry_seconds)

    def round(self) -> None:
        """Send the due pickups once."""
        summary = retry_due()
        if summary.tried:
            logger.info("courier pickups retried: %s", summary)


def attach(app: Any) -> None:
    """Run a :class:`PickupRetrier` while the Sanic ``app`` (the action server) serves."""
    retrier = PickupRetrier()

    async def _start(_app: Any, _loop: Any) -> None:
        retrier.start()

    async def _stop(_app: Any, _loop: Any) -> None:
        retrier.stop()

    app.register_listener(_start, "after_server_start")
    app.register_listener(_stop, "before_server_stop")

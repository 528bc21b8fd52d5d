"""What the assistant asks of a courier: book, change and cancel a pickup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class CourierError(RuntimeError):
    """A courier call did not succeed."""


class CourierUnavailable(CourierError):
    """The courier cannot be reached or failed (timeouts, 5xx, 429): try again later."""


class CourierRefused(CourierError):
    """The courier refused the request (4xx): trying again would fail the same way."""


@dataclass(frozen=True)
class PickupOrder:
    """One pickup as the courier needs it (date and window in local time)."""

    reference: str
    contact_phone: str
    province: str
    city: str
    district: str
    street: str
    date: dt.date
    window_start: dt.time
    window_end: dt.time


class Courier(Protocol):
    """A courier's pickup service."""

    def book(self, order: PickupOrder) -> str:
        """Book a pickup; return the courier's order id.

        Booking the same ``order.reference`` twice must return the same order (the
        retrier may repeat a request whose answer was lost).

        Raises:
            CourierUnavailable: Try again later.
            CourierRefused: The courier will not book it.
        """
        ...

    def change(self, order_id: str, order: PickupOrder) -> None:
        """Change the address, date or window of a booked pickup.

        Raises:
            CourierUnavailable: Try again later.
            CourierRefused: The courier will not change it (e.g. already collected).
        """
        ...

    def cancel(self, order_id: str) -> None:
        """Cancel a booked pickup (an order the courier no longer knows counts as cancelled).

        Raises:
            CourierUnavailable: Try again later.
            CourierRefused: The courier will not cancel it (e.g. already collected).
        """
        ...

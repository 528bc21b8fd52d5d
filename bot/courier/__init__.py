"""The courier that collects mail-in phones from their owners.

:mod:`~bot.courier.protocol` is the interface (book, change, cancel) and its errors,
:mod:`~bot.courier.http` the adapter for the courier's HTTP API (documented there),
:mod:`~bot.courier.sync` sends the pickups the ticket store keeps to the courier (at once
and by the retrier), :mod:`~bot.courier.webhook` takes the courier's signed events.
"""

from bot.courier.protocol import (
    Courier,
    CourierError,
    CourierRefused,
    CourierUnavailable,
    PickupOrder,
)

__all__ = ["Courier", "CourierError", "CourierRefused", "CourierUnavailable", "PickupOrder"]

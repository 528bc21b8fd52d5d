"""The courier's pickup API over HTTP (JSON), as :class:`HttpCourier` speaks it.

Every request carries ``Authorization: Bearer <COURIER_TOKEN>`` and a JSON body; times
are local (the business time zone), dates ISO.

``POST {COURIER_URL}/pickups`` with header ``Idempotency-Key: <reference>``::

    {"reference": "R20261203-0001/P1", "contact_phone": "13912345678",
     "address": {"province": "广东省", "city": "深圳市", "district": "南山区",
                 "street": "科苑路15号"},
     "date": "2026-12-04", "window": {"start": "09:00", "end": "11:00"}}

answers ``201`` (or ``200`` for a reference it already booked)
``{"order_id": "SF1000000001", "status": "booked"}``.

``PUT {COURIER_URL}/pickups/{order_id}`` with the same body less ``reference`` answers
``200 {"order_id": ..., "status": "booked"}``; ``DELETE {COURIER_URL}/pickups/{order_id}``
answers ``200`` or ``204`` (``404``: the order is gone, which counts as cancelled).

Errors are ``{"error": {"code": "...", "message": "..."}}``. ``401``, ``403``, ``408``,
``429``, ``5xx``, timeouts and refused connections mean "try again later"
(:class:`CourierUnavailable`: a wrong token is fixed by an operator, and the booking must
survive until then); any other ``4xx`` (``400``, ``404``, ``409`` already collected,
``422`` address outside the service area) is a refusal (:class:`CourierRefused`).
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from bot.courier.protocol import CourierRefused, CourierUnavailable, PickupOrder

logger = logging.getLogger(__name__)

#: Statuses after which the same request may succeed later.
RETRYABLE_STATUSES = frozenset({401, 403, 408, 425, 429})


def order_body(order: PickupOrder, *, with_reference: bool = True) -> dict[str, Any]:
    """The JSON body of a booking or a change."""
    body: dict[str, Any] = {
        "contact_phone": order.contact_phone,
        "address": {
            "province": order.province,
            "city": order.city,
            "district": order.district,
            "street": order.street,
        },
        "date": order.date.isoformat(),
        "window": {"start": f"{order.window_start:%H:%M}", "end": f"{order.window_end:%H:%M}"},
    }
    if with_reference:
        body["reference"] = order.reference
    return body


class HttpCourier:
    """:class:`~bot.courier.protocol.Courier` over the HTTP API documented above."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        """A client of ``base_url`` (no trailing slash) with a bearer token."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers["Accept"] = "application/json"

    def book(self, order: PickupOrder) -> str:
        """``POST /pickups``; the order id."""
        response = self._call(
            "POST",
            "/pickups",
            json=order_body(order),
            headers={"Idempotency-Key": order.reference},
        )
        return self._order_id(response)

    def change(self, order_id: str, order: PickupOrder) -> None:
        """``PUT /pickups/{order_id}``."""
        self._call("PUT", f"/pickups/{order_id}", json=order_body(order, with_reference=False))

    def cancel(self, order_id: str) -> None:
        """``DELETE /pickups/{order_id}``; an unknown order counts as cancelled."""
        self._call("DELETE", f"/pickups/{order_id}", gone_ok=True)

    def _call(
        self, method: str, path: str, *, gone_ok: bool = False, **kwargs: Any
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise CourierUnavailable(f"{method} {path}: {type(error).__name__}") from error
        status = response.status_code
        if 200 <= status < 300 or (gone_ok and status == 404):
            return response
        detail = f"{method} {path}: HTTP {status} {self._error(response)}".strip()
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise CourierUnavailable(detail)
        raise CourierRefused(detail)

    @staticmethod
    def _error(response: requests.Response) -> str:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            return ""
        if isinstance(error, dict):
            return f"{error.get('code', '')} {error.get('message', '')}".strip()
        return str(error)[:200]

    @staticmethod
    def _order_id(response: requests.Response) -> str:
        try:
            order_id = response.json().get("order_id")
        except (ValueError, AttributeError):
            order_id = None
        if not isinstance(order_id, str) or not order_id.strip():
            raise CourierUnavailable("the courier's answer has no order_id")
        return order_id.strip()

"""A faithful local fake of the courier's pickup API (bot/courier/http.py), on a real port.

It checks the bearer token, keeps orders in memory, answers a repeated booking of the same
reference (``Idempotency-Key``) with the same order, and can be switched ``down`` (every
request answers 503) or told to ``refuse`` bookings (422, address outside the area).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_http import LocalHttpServer

TOKEN = "courier-test-token-0123456789"
WINDOW_FIELDS = ("start", "end")
ADDRESS_FIELDS = ("province", "city", "district", "street")


@dataclass
class FakeCourierState:
    """What the fake knows: orders by id, references, switches, the requests it saw."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False
    refuse: bool = False
    collected: set[str] = field(default_factory=set)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000000001))


def _valid_order(body: Any, with_reference: bool) -> bool:
    if not isinstance(body, dict):
        return False
    address, window = body.get("address"), body.get("window")
    return (
        isinstance(address, dict)
        and all(isinstance(address.get(k), str) for k in ADDRESS_FIELDS)
        and bool(address.get("street"))
        and isinstance(window, dict)
        and all(isinstance(window.get(k), str) for k in WINDOW_FIELDS)
        and isinstance(body.get("date"), str)
        and isinstance(body.get("contact_phone"), str)
        and (not with_reference or isinstance(body.get("reference"), str))
    )


def _handler(state: FakeCourierState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: str) -> None:
            self._reply(status, {"error": {"code": code, "message": code}})

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return None

        def _guard(self) -> bool:
            state.requests.append((self.command, self.path))
            if state.down:
                self._error(503, "unavailable")
                return False
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._error(401, "unauthorized")
                return False
            return True

        def _order_id(self) -> str | None:
            prefix = "/pickups/"
            if not self.path.startswith(prefix):
                return None
            return self.path[len(prefix) :]

        def do_POST(self) -> None:
            if not self._guard():
                return
            body = self._body()
            if self.path != "/pickups":
                self._error(404, "not_found")
            elif not _valid_order(body, True):
                self._error(400, "bad_request")
            elif self.headers.get("Idempotency-Key") != body["reference"]:
                self._error(400, "idempotency_key")
            elif body["reference"] in state.references:
                order_id = state.references[body["reference"]]
                self._reply(200, {"order_id": order_id, "status": "booked"})
            elif state.refuse:
                self._error(422, "out_of_area")
            else:
                order_id = f"SF{next(state.ids)}"
                state.orders[order_id] = {**body, "status": "booked"}
                state.references[body["reference"]] = order_id
                self._reply(201, {"order_id": order_id, "status": "booked"})

        def do_PUT(self) -> None:
            if not self._guard():
                return
            order_id, body = self._order_id(), self._body()
            order = state.orders.get(order_id or "")
            if order is None or order["status"] == "cancelled":
                self._error(404, "not_found")
            elif order_id in state.collected:
                self._error(409, "already_collected")
            elif not _valid_order(body, False):
                self._error(400, "bad_request")
            else:
                order.update(body)
                self._reply(200, {"order_id": order_id, "status": "booked"})

        def do_DELETE(self) -> None:
            if not self._guard():
                return
            order_id = self._order_id()
            order = state.orders.get(order_id or "")
            if order is None:
                self._error(404, "not_found")
            elif order_id in state.collected:
                self._error(409, "already_collected")
            else:
                order["status"] = "cancelled"
                self._reply(204)

    return Handler


@contextmanager
def running_fake_courier() -> Iterator[tuple[str, FakeCourierState]]:
    """Serve the fake on a free loopback port; yields its base URL and its state."""
    state = FakeCourierState()
    server = LocalHttpServer(_handler(state), state).start()
    try:
        yield server.base_url, state
    finally:
        server.stop()

"""A faithful local stand-in for an SMS provider speaking ``bot.notify.sms``'s HTTP protocol.

A real HTTP server on 127.0.0.1, in a thread: it checks the bearer token and the body,
records accepted messages, and can be told to be down (503) or to refuse (400) for a while.
A repeated ``Idempotency-Key`` is accepted but not sent twice, as providers do.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_http import LocalHttpServer

SMS_TOKEN = "sms-test-token"


@dataclass
class SmsState:
    """What the fake provider received."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    status: int = 200  # 503: down; 400: refuses every message
    delay: float = 0.0
    keys: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: Any  # tests.local_http: the fake's state is self.server.state

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with state.lock:
            state.requests += 1
            status, delay = state.status, state.delay
        if delay:
            time.sleep(delay)
        if self.path != "/send":
            self._answer(404, {"error": "not found"})
            return
        if self.headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
            self._answer(401, {"error": "bad token"})
            return
        if status != 200:
            self._answer(status, {"error": "provider says no"})
            return
        try:
            message = json.loads(raw)
        except ValueError:
            self._answer(400, {"error": "not JSON"})
            return
        if not isinstance(message.get("to"), str) or not isinstance(message.get("text"), str):
            self._answer(400, {"error": "to and text are required"})
            return
        key = self.headers.get("Idempotency-Key") or ""
        with state.lock:
            if key and key in state.keys:
                self._answer(200, {"id": key, "duplicate": True})
                return
            state.keys.add(key)
            state.sent.append({**message, "key": key})
        self._answer(200, {"id": key})


class FakeSmsProvider(LocalHttpServer):
    """The fake provider; ``url`` is its send endpoint."""

    state: SmsState

    def __init__(self) -> None:
        super().__init__(_Handler, SmsState())

    @property
    def url(self) -> str:
        return f"{self.base_url}/send"

    def set_status(self, status: int) -> None:
        with self.state.lock:
            self.state.status = status

    def messages(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.sent)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The accepted messages, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.messages()
            if len(sent) >= count:
                return sent
            time.sleep(0.05)
        raise AssertionError(f"expected {count} SMS, got {self.messages()}")

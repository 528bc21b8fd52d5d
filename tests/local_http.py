"""A real HTTP server on a free loopback port, in a thread: the base of the tests' fakes.

The SMS provider, WeChat's API and the courier are stood in for by handlers of
:mod:`http.server`; this module owns the one way to serve them, find their address and
stop them.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: Any) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state


class LocalHttpServer:
    """Serves ``handler`` on 127.0.0.1; handlers reach ``state`` as ``self.server.state``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: Any = None) -> None:
        self.state = state
        self._server = _Server(handler, state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

"""Rasa's side of the shared secret with the action server (``ACTION_SERVER_TOKEN``).

The action server (:mod:`bot.runtime.action_server`) refuses ``/webhook`` calls without the
secret. Rasa's ``action_endpoint`` can send one itself (``token:``, sent as the query parameter
``token``, or ``headers:``); an endpoints file that sends none (``endpoints.yml``, the files
given with ``ENDPOINTS=...``) gets ``Authorization: Bearer $ACTION_SERVER_TOKEN`` added when
the variable is set, which ``scripts/run.sh`` does. So no endpoints file needs a ``${VAR}``
that Rasa would refuse to start without, and the secret stays out of URLs and logs.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.bearer import authorization_header

_STOCK_READ = AvailableEndpoints.read_endpoints.__func__  # type: ignore[attr-defined]


def sends_credentials(endpoint: EndpointConfig) -> bool:
    """Whether the endpoint's configuration already authenticates its calls."""
    headers = endpoint.headers or {}
    return bool(
        endpoint.token
        or endpoint.basic_auth
        or any(str(name).lower() == "authorization" for name in headers)
    )


def with_token(endpoint: EndpointConfig | None, token: str) -> EndpointConfig | None:
    """``endpoint`` sending ``token`` as a bearer token, unless it sends credentials already."""
    if endpoint is None or not token or sends_credentials(endpoint):
        return endpoint
    endpoint.headers = {**(endpoint.headers or {}), **authorization_header(token)}
    return endpoint


def install(token: str | None = None) -> None:
    """Make Rasa's endpoints reading add the action server's secret (idempotent).

    Args:
        token: The secret; ``ACTION_SERVER_TOKEN`` when ``None``. Empty: nothing is added.
    """
    if token is None:
        from bot.settings import get_settings

        token = get_settings().action_server_token
    secret = token

    @functools.wraps(_STOCK_READ)
    def read_endpoints(cls: type[AvailableEndpoints], endpoint_file: str) -> Any:
        endpoints = _STOCK_READ(cls, endpoint_file)
        endpoints.action = with_token(endpoints.action, secret)
        return endpoints

    AvailableEndpoints.read_endpoints = classmethod(read_endpoints)  # type: ignore[assignment]


def uninstall() -> None:
    """Rasa's own endpoints reading again (tests)."""
    AvailableEndpoints.read_endpoints = classmethod(_STOCK_READ)  # type: ignore[assignment]

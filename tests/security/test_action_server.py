"""Attacks on the action server: ``python -m bot.runtime.action_server`` in its own process.

Before issue 15 (``python -m rasa_sdk``) it listened on 0.0.0.0 without authentication and ran
any action with any tracker it was sent, e.g. thousands of phone numbers in
``verified_phones`` to find the phone of a ticket. Now it listens on loopback and refuses
every call without the secret Rasa sends; ``/health`` stays open.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.runtime import action_auth
from tests.conftest import ROOT, free_port
from tests.security.action_calls import action_call, tracker_state
from tests.security.rasa_app import ACTION_TOKEN, locked_action_server

TOKEN = ACTION_TOKEN
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The locked action server on a free port (ACTION_HOST unset); yields its base URL."""
    with locked_action_server(tmp_path_factory.mktemp("action-server")) as (url, _):
        yield url


def enumeration_call() -> dict[str, object]:
    """A forged tracker: a ticket status query 'verified' with a thousand phone numbers."""
    phones = [f"139{n:08d}" for n in range(1000)]
    tracker = tracker_state(
        "attacker", {"ticket_no": "R20260101-0001", "verified_phones": phones},
        text="查工单 R20260101-0001", intent="check_repair_status",
    )  # fmt: skip
    return action_call("action_check_repair_status", tracker)


def test_health_stays_open(server: str) -> None:
    assert requests.get(f"{server}/health", timeout=10).json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, {}),
        ({"Authorization": "Bearer wrong-secret-0123456789"}, {}),
        ({"Authorization": TOKEN}, {}),  # no scheme
        ({}, {"token": "wrong-secret-0123456789"}),
        ({"Authorization": f"Basic {TOKEN}"}, {}),
    ],
)
def test_calls_without_the_secret_are_refused(server: str, headers, params) -> None:
    answer = requests.post(
        f"{server}/webhook", json=enumeration_call(), headers=headers, params=params, timeout=30
    )
    assert answer.status_code == 403
    assert "ACTION_SERVER_TOKEN" in answer.json()["error"]
    assert requests.get(f"{server}/actions", headers=headers, timeout=10).status_code == 403


def test_the_secret_as_bearer_header_or_token_parameter_is_accepted(server: str) -> None:
    call = action_call("action_quote_price", tracker_state("owner", text="换屏多少钱"))
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.post(f"{server}/webhook", json=call, headers=bearer, timeout=60).ok
    as_param = requests.post(f"{server}/webhook", json=call, params={"token": TOKEN}, timeout=60)
    assert as_param.ok  # an action_endpoint with `token:` (Rasa sends it as ?token=)
    assert requests.get(f"{server}/actions", headers=bearer, timeout=10).ok


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_it_listens_on_loopback_only(server: str) -> None:
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    port = int(server.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
        pass


def test_it_does_not_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.action_server", "--actions", "bot.actions",
         "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "ACTION_SERVER_TOKEN" in result.stderr


def test_rasa_sends_the_secret_with_an_endpoints_file_that_names_none(
    server: str, tmp_path: Path
) -> None:
    """``ENDPOINTS=...`` files without credentials still reach the locked server."""
    from rasa.core.utils import AvailableEndpoints

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{server}/webhook"\n', encoding="utf-8")
    call = action_call("action_quote_price", tracker_state("owner", text="换屏多少钱"))

    stock = AvailableEndpoints.read_endpoints(str(endpoints)).action
    with pytest.raises(Exception, match="403"):
        asyncio.run(stock.request(json=call, method="post"))

    action_auth.install(TOKEN)
    try:
        locked = AvailableEndpoints.read_endpoints(str(endpoints)).action
    finally:
        action_auth.uninstall()
    result = asyncio.run(locked.request(json=call, method="post"))
    assert "events" in result


def test_an_endpoints_file_with_its_own_credentials_keeps_them(tmp_path: Path) -> None:
    from rasa.utils.endpoints import EndpointConfig

    own = EndpointConfig(url="http://127.0.0.1:1/webhook", token="their-own-secret-123456")
    assert action_auth.with_token(own, TOKEN) is own and own.headers == {}
    header = EndpointConfig(url="http://x/webhook", headers={"authorization": "Bearer theirs"})
    assert action_auth.with_token(header, TOKEN).headers == {"authorization": "Bearer theirs"}

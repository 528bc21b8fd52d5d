"""bot.runtime.action_threads: rasa_sdk's executor runs each action in a worker thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.runtime import action_threads


class WhereAmI(Action):
    """Says which thread ran it."""

    def name(self) -> str:
        return "action_where_am_i"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await asyncio.sleep(0)
        dispatcher.utter_message(text=threading.current_thread().name)
        return []


class Broken(Action):
    def name(self) -> str:
        return "action_broken"

    async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[dict[str, Any]]:
        raise ValueError("boom")


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    """install(), undone after the test."""
    monkeypatch.setattr(ActionExecutor, "run", ActionExecutor.run)
    action_threads.install()


def call(name: str) -> dict[str, Any]:
    tracker = {"sender_id": "u", "slots": {}, "latest_message": {}, "events": [], "paused": False}
    return {"next_action": name, "tracker": tracker, "domain": {}}


def test_actions_run_in_action_threads(patched: None) -> None:
    executor = ActionExecutor()
    executor.register_action(WhereAmI)

    result = asyncio.run(executor.run(call("action_where_am_i")))

    assert result is not None
    [message] = result["responses"]
    assert message["text"].startswith("action")
    assert message["text"] != threading.current_thread().name


def test_errors_reach_the_server_as_before(patched: None) -> None:
    executor = ActionExecutor()
    executor.register_action(Broken)

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(executor.run(call("action_broken")))


def test_install_is_idempotent(patched: None) -> None:
    run = ActionExecutor.run
    action_threads.install()
    assert ActionExecutor.run is run and action_threads.installed()


def test_another_executor_api_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run(self: Any, action_call: Any, extra: Any) -> None:
        return None

    monkeypatch.setattr(ActionExecutor, "run", run)
    with pytest.raises(RuntimeError, match=r"rasa-sdk 3\.6"):
        action_threads.install()
    assert ActionExecutor.run is run

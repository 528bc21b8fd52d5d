"""A short apology instead of silence while the action server cannot run an action.

When a custom action cannot run (the action server is down, refuses the call, times out or
answers nonsense), Rasa's processor logs the exception, drops the action's events and goes
on: the owner is told nothing. :func:`install` adds two things to Rasa 3.6:

- ``RemoteAction.run`` (every call to the action server: actions, form validation, slot
  mappings) notes a failure in the current turn before it lets the exception go on; a
  rejection (``ActionExecutionRejection``, part of the normal form flow) is not a failure;
- ``MessageProcessor._run_action``, after Rasa has handled the failed action as before, says
  the response :data:`APOLOGY` (``domain.yml``) through the turn's output channel and logs it
  on the tracker as a ``BotUttered`` (once per turn, on every channel), then ends the turn
  with ``action_listen``: no more predictions that would wait on the same server (each call
  may wait Rasa's request timeout) or guess without the failed action's events. An active
  form stays active, so the owner's next message carries on where it was.

A turn is one ``handle_message``, ``handle_reminder`` or ``trigger_external_user_uttered``
(or one ``_run_action`` called on its own, as the HTTP API's ``execute`` does).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa.core.actions.action import (
    ActionExecutionRejection,
    ActionListen,
    RemoteAction,
    create_bot_utterance,
)
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME

logger = logging.getLogger(__name__)

#: The response said when an action could not run.
APOLOGY = "utter_action_unavailable"

_STOCK_REMOTE_RUN = RemoteAction.run
_STOCK_RUN_ACTION = MessageProcessor._run_action
_TURNS = ("handle_message", "handle_reminder", "trigger_external_user_uttered")
_STOCK_TURNS = {name: getattr(MessageProcessor, name) for name in _TURNS}

_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


@dataclass
class Turn:
    """What happened to the actions of one turn."""

    failures: int = 0
    apologised: bool = False


_turn: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("action_turn", default=None)


def _in_turn(method: _F) -> _F:
    """``method`` run in a turn of its own unless it runs inside one already."""

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _turn.get() is not None:
            return await method(*args, **kwargs)
        token = _turn.set(Turn())
        try:
            return await method(*args, **kwargs)
        finally:
            _turn.reset(token)

    return wrapper  # type: ignore[return-value]


async def remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """``RemoteAction.run``, noting in the turn that it failed."""
    try:
        return await _STOCK_REMOTE_RUN(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise
    except Exception:
        turn = _turn.get()
        if turn is not None:
            turn.failures += 1
        raise


async def apologise(
    processor: MessageProcessor, tracker: Any, output_channel: Any, nlg: Any
) -> None:
    """Say :data:`APOLOGY` to the conversation of ``tracker`` and log it on the tracker."""
    message = await nlg.generate(APOLOGY, tracker, output_channel.name())
    if message is None:
        logger.error("the model has no response %s: retrain it (make train)", APOLOGY)
        return
    message["utter_action"] = APOLOGY
    event = create_bot_utterance(message)
    tracker.update(event, processor.domain)
    await processor.execute_side_effects([event], tracker, output_channel)


@_in_turn
async def run_action(
    self: MessageProcessor,
    action: Any,
    tracker: Any,
    output_channel: Any,
    nlg: Any,
    prediction: Any,
) -> bool:
    """``MessageProcessor._run_action``; after a failed action the apology, then listen."""
    turn = _turn.get()
    failures = turn.failures if turn is not None else 0
    result = await _STOCK_RUN_ACTION(self, action, tracker, output_channel, nlg, prediction)
    if turn is None or turn.failures == failures:
        return bool(result)
    if not turn.apologised:
        turn.apologised = True
        logger.warning(
            "an action could not run (action server unavailable?); told %s", tracker.sender_id
        )
        try:
            await apologise(self, tracker, output_channel, nlg)
        except Exception:
            logger.exception("the apology for an action that could not run failed")
    listen = PolicyPrediction.for_action_name(self.domain, ACTION_LISTEN_NAME)
    await _STOCK_RUN_ACTION(self, ActionListen(), tracker, output_channel, nlg, listen)
    return False


def install() -> None:
    """Put the turn tracking and the apology into Rasa's processor (idempotent)."""
    RemoteAction.run = remote_run  # type: ignore[method-assign]
    MessageProcessor._run_action = run_action  # type: ignore[method-assign]
    for name, stock in _STOCK_TURNS.items():
        setattr(MessageProcessor, name, _in_turn(stock))


def uninstall() -> None:
    """Rasa's own methods again (tests)."""
    RemoteAction.run = _STOCK_REMOTE_RUN  # type: ignore[method-assign]
    MessageProcessor._run_action = _STOCK_RUN_ACTION  # type: ignore[method-assign]
    for name, stock in _STOCK_TURNS.items():
        setattr(MessageProcessor, name, stock)

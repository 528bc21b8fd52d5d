"""What counts as a struggle: the user messages of a conversation worth annotating, and why.

Pure: conversations come in as event dictionaries (``Event.as_dict()``), messages go out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.trainer.texts import trainer_text

NLU_FALLBACK = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_fallback", "action_default_fallback"})
HANDOFF_ACTION = "action_handoff"
HANDOFF_SLOT = "handoff_reason"
DEFAULT_BELOW = 0.5
# Rasa's prefix for intents triggered by reminders and external events, never typed.
_EXTERNAL_PREFIXES = ("EXTERNAL: ", "EXTERNAL_")


class Reason(str, Enum):
    """Why a message is in the inbox; the value is the label written to the file."""

    FALLBACK = trainer_text("inbox.reasons.fallback")
    LOW_CONFIDENCE = trainer_text("inbox.reasons.low_confidence")
    HANDOFF = trainer_text("inbox.reasons.handoff")


@dataclass(frozen=True)
class Message:
    """One user message the bot struggled with."""

    text: str
    intent: str
    confidence: float
    reasons: frozenset[Reason]
    when: dt.datetime  # time zone aware


def predicted_intent(parse: Mapping[str, Any]) -> tuple[str, float]:
    """The best intent other than ``nlu_fallback`` and its confidence.

    The retrieval intent is returned with its key (``faq/hotline``) when the response
    selector chose one.
    """
    intent = parse.get("intent") or {}
    best = (str(intent.get("name") or ""), float(intent.get("confidence") or 0.0))
    for ranked in parse.get("intent_ranking") or []:
        name = str(ranked.get("name") or "")
        if name and name != NLU_FALLBACK:
            best = (name, float(ranked.get("confidence") or 0.0))
            break
    selector = (parse.get("response_selector") or {}).get(best[0]) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return (str(key), best[1]) if key else best


@dataclass
class _Turn:
    """A user message and the reasons its turn gave so far."""

    event: Mapping[str, Any]
    reasons: set[Reason] = field(default_factory=set)


def _start_turn(event: Mapping[str, Any], below: float) -> _Turn | None:
    """The turn of a typed user message; ``None`` for buttons, reminders and empty texts."""
    text = event.get("text")
    parse = event.get("parse_data") or {}
    name = str((parse.get("intent") or {}).get("name") or "")
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    if text.startswith(_EXTERNAL_PREFIXES) or name.startswith(_EXTERNAL_PREFIXES):
        return None
    turn = _Turn(event)
    if name == NLU_FALLBACK:
        turn.reasons.add(Reason.FALLBACK)
    if predicted_intent(parse)[1] < below:
        turn.reasons.add(Reason.LOW_CONFIDENCE)
    return turn


def _message(turn: _Turn | None, since: dt.datetime | None) -> Message | None:
    """The message of a finished turn, if the turn went badly (and is recent enough)."""
    if turn is None or not turn.reasons:
        return None
    when = dt.datetime.fromtimestamp(float(turn.event.get("timestamp") or 0), dt.timezone.utc)
    if since is not None and when < since:
        return None
    intent, confidence = predicted_intent(turn.event.get("parse_data") or {})
    text = " ".join(str(turn.event["text"]).split())
    return Message(text, intent, confidence, frozenset(turn.reasons), when)


def _event_reason(event: Mapping[str, Any]) -> Reason | None:
    """What an event after a user message says about how that message was handled."""
    kind, name = event.get("event"), event.get("name")
    if kind == "action" and name in FALLBACK_ACTIONS:
        return Reason.FALLBACK
    if kind == "action" and name == HANDOFF_ACTION:
        return Reason.HANDOFF
    if kind == "slot" and name == HANDOFF_SLOT and event.get("value") is not None:
        return Reason.HANDOFF
    return None


def messages_from_events(
    events: Iterable[Mapping[str, Any]],
    *,
    below: float = DEFAULT_BELOW,
    since: dt.datetime | None = None,
) -> list[Message]:
    """The typed user messages of one conversation that fell back, were unsure or handed over.

    Args:
        events: The conversation's events as dictionaries (``Event.as_dict()``), oldest first.
        below: Intent confidences under this are low.
        since: Messages before this time are left out.
    """
    found: list[Message] = []
    turn: _Turn | None = None
    paused = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if (message := _message(turn, since)) is not None:
                found.append(message)
            turn = None if paused else _start_turn(event, below)
        elif kind in ("pause", "resume", "restart", "session_started"):
            paused = kind == "pause"  # a restart or new session also ends a pause
        elif turn is not None and (reason := _event_reason(event)) is not None:
            turn.reasons.add(reason)
    if (message := _message(turn, since)) is not None:
        found.append(message)
    return found

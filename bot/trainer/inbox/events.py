"""What counts as a struggle: the user messages of a conversation worth annotating, and why.

Pure: conversations come in as event dictionaries (``Event.as_dict()``), messages go out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.trainer.inbox.masking import mask
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
    """One user message the bot struggled with (its text masked)."""

    text: str
    intent: str
    confidence: float
    reasons: frozenset[Reason]
    when: dt.datetime  # time zone aware
    channel: str | None = None
    number: int = 0  # its place among the conversation's user events


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


#: Longest intent name kept (the analytics tables' width).
INTENT_MAX = 128
#: Longest channel name kept.
CHANNEL_MAX = 32
#: Message times at or after this (the year 3000) are not believed (read as 0, the epoch).
LATEST_TIMESTAMP = 32503680000.0


@dataclass
class OpenTurn:
    """The latest typed user message and the reasons its turn gave so far (storable).

    Attributes:
        number: The message's place among the conversation's user events (1 first).
        text: Its text on one line, masked (:func:`bot.trainer.inbox.masking.mask`).
        at: Its time, seconds since the epoch.
        intent: The predicted intent (:func:`predicted_intent`).
        confidence: Its confidence.
        channel: The channel it came on.
        reasons: Why it is worth annotating, so far.
    """

    number: int
    text: str
    at: float
    intent: str
    confidence: float
    channel: str | None = None
    reasons: set[Reason] = field(default_factory=set)

    def message(self) -> Message | None:
        """The message, when the turn went badly so far."""
        if not self.reasons:
            return None
        when = dt.datetime.fromtimestamp(self.at, dt.timezone.utc)
        return Message(
            self.text,
            self.intent,
            self.confidence,
            frozenset(self.reasons),
            when,
            channel=self.channel,
            number=self.number,
        )


@dataclass
class InboxState:
    """What the inbox's fold remembers between events: JSON-storable with :meth:`as_dict`.

    Attributes:
        messages: User events seen (numbers the turns).
        paused: Whether the conversation is with an agent (its messages are skipped).
        turn: The open turn, if the latest user message is a typed one.
    """

    messages: int = 0
    paused: bool = False
    turn: OpenTurn | None = None

    def pending(self) -> Message | None:
        """The open turn's message, when it went badly so far (the reasons may still grow)."""
        return None if self.turn is None else self.turn.message()

    def as_dict(self) -> dict[str, Any]:
        """The state as a JSON-compatible dictionary (reasons as :func:`reason_code`)."""
        turn = self.turn
        stored = None
        if turn is not None:
            stored = {
                "number": turn.number,
                "text": turn.text,
                "at": turn.at,
                "intent": turn.intent,
                "confidence": turn.confidence,
                "channel": turn.channel,
                "reasons": sorted(reason_code(r) for r in turn.reasons),
            }
        return {"messages": self.messages, "paused": self.paused, "turn": stored}

    @classmethod
    def from_dict(cls, value: Any) -> InboxState:
        """The state stored by :meth:`as_dict` (defaults for anything missing or odd)."""
        data = value if isinstance(value, Mapping) else {}
        return cls(
            messages=_count(data.get("messages")),
            paused=data.get("paused") is True,
            turn=_stored_turn(data.get("turn")),
        )


def reason_code(reason: Reason) -> str:
    """The stable code of a reason (``fallback``, ``low_confidence``, ``handoff``)."""
    return reason.name.lower()


def reason_of(code: str) -> Reason | None:
    """The reason of a code from :func:`reason_code`; ``None`` for an unknown code."""
    return Reason.__members__.get(code.upper()) if isinstance(code, str) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _moment(value: Any) -> float:
    number = _number(value)
    return number if number is not None and 0 <= number < LATEST_TIMESTAMP else 0.0


def _stored_turn(value: Any) -> OpenTurn | None:
    if not isinstance(value, Mapping):
        return None
    text, at, confidence = value.get("text"), value.get("at"), value.get("confidence")
    number, intent, channel = _count(value.get("number")), value.get("intent"), value.get("channel")
    if not isinstance(text, str) or not number:
        return None
    codes = value.get("reasons")
    reasons = {reason_of(c) for c in codes} if isinstance(codes, list) else set()
    return OpenTurn(
        number=number,
        text=text,
        at=_moment(at),
        intent=intent if isinstance(intent, str) else "",
        confidence=_number(confidence) or 0.0,
        channel=channel if isinstance(channel, str) else None,
        reasons={r for r in reasons if r is not None},
    )


def _start_turn(event: Mapping[str, Any], number: int, below: float) -> OpenTurn | None:
    """The turn of a typed user message; ``None`` for buttons, reminders and empty texts."""
    text = event.get("text")
    parse = event.get("parse_data")
    parse = parse if isinstance(parse, Mapping) else {}
    intent = parse.get("intent")
    name = str((intent if isinstance(intent, Mapping) else {}).get("name") or "")
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    if text.startswith(_EXTERNAL_PREFIXES) or name.startswith(_EXTERNAL_PREFIXES):
        return None
    predicted, confidence = predicted_intent(parse)
    channel = event.get("input_channel")
    turn = OpenTurn(
        number=number,
        text=mask(" ".join(text.split())),
        at=_moment(event.get("timestamp")),
        intent=predicted[:INTENT_MAX],
        confidence=confidence,
        channel=channel[:CHANNEL_MAX] if isinstance(channel, str) and channel else None,
    )
    if name == NLU_FALLBACK:
        turn.reasons.add(Reason.FALLBACK)
    if confidence < below:
        turn.reasons.add(Reason.LOW_CONFIDENCE)
    return turn


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


def inbox_event(
    state: InboxState, event: Mapping[str, Any], *, below: float = DEFAULT_BELOW
) -> Message | None:
    """Fold one event into ``state`` (in place): the inbox's rules, one event at a time.

    A user message closes the open turn and opens its own (none while paused); the events
    after it add reasons; a pause, resume, restart or new session sets whether the
    conversation is paused (a restart or new session also ends a pause). Odd values never
    raise.

    Args:
        state: The conversation's state so far.
        event: The next event (``Event.as_dict()``).
        below: Intent confidences under this are low.

    Returns:
        The message of the turn this event closed, when that turn went badly.
    """
    kind = event.get("event")
    if kind == "user":
        closed = state.pending()
        state.messages += 1
        state.turn = None if state.paused else _start_turn(event, state.messages, below)
        return closed
    if kind in ("pause", "resume", "restart", "session_started"):
        state.paused = kind == "pause"
    elif state.turn is not None and (reason := _event_reason(event)) is not None:
        state.turn.reasons.add(reason)
    return None


def messages_from_events(
    events: Iterable[Mapping[str, Any]],
    *,
    below: float = DEFAULT_BELOW,
    since: dt.datetime | None = None,
) -> list[Message]:
    """The typed user messages of one conversation that fell back, were unsure or handed over.

    Folds the events with :func:`inbox_event` (the analytics consumer folds them the same
    way); texts come masked.

    Args:
        events: The conversation's events as dictionaries (``Event.as_dict()``), oldest first.
        below: Intent confidences under this are low.
        since: Messages before this time are left out.
    """
    state = InboxState()
    found = [m for event in events if (m := inbox_event(state, event, below=below)) is not None]
    if (last := state.pending()) is not None:
        found.append(last)
    return [m for m in found if since is None or m.when >= since]

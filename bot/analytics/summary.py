"""What one conversation's events say about how the assistant did: the pure fold.

Events come in as Rasa's event dictionaries (``Event.as_dict()``, as the event broker
publishes them), oldest first; :func:`apply_event` folds one into a
:class:`ConversationSummary`, which keeps the little state the next events need
(:class:`FoldState`), so a summary can be stored and folded further when more events come.

What is recognised, with the project's names (``tests/analytics`` checks them against the
domain and the actions):

- the channel: the ``input_channel`` of the user's messages (the latest one wins);
- intents: the intent of each message the user sent (the FAQ key, ``faq/hotline``, for a
  retrieval intent); messages triggered by reminders (``EXTERNAL_...``) are not the user's;
- an intake: the form ``repair_form`` activated (``active_loop``), once per activation;
- a ticket: the ``ticket_no`` slot set by ``action_submit_ticket`` (a ticket number typed by
  the user sets that slot too, but not after that action);
- a handoff: ``action_handoff`` or ``action_fallback`` handing over (``bot.actions.handoff``):
  queued for an agent (the bot paused), a callback offered after hours (``callback_step``
  set to ``offered``) or, with the ticket store down, the hotline given
  (``utter_human_hotline``);
- an intake solved by the guided diagnosis, without a ticket: the ``diagnosis`` slot set to
  ``solved`` by the intake form (``bot.actions.diagnosis``);
- the intake funnel: how far each intake got, the furthest of its stages (:func:`intake_stages`:
  the form's slots in the domain's order, ``intake_confirmed`` last, then the ticket) that it
  reached: a slot that got a value while the form ran or that the owner skipped
  (``skipped_slots``), the confirmation (``intake_confirmed`` set true), the ticket. An intake
  counts at every stage up to its furthest, so the funnel never rises from one stage to the
  next (a mail-in intake, never asked its city, counts at the city when it went further);
- the guided diagnosis offered: the form asked for the ``diagnosis`` slot (its first step);
  such an intake ending in a ticket went on to a ticket after the diagnosis;
- a fallback: ``action_fallback`` (or Rasa's own fallback actions) run;
- a rating: ``action_store_rating`` run on a message that gives a score, read as that
  action reads it (the ``rating`` entity, else the text, :func:`bot.intake.rating.parse_rating`),
  about the ``rating_context`` slot's subject (``question`` when unset);
- sessions: ``session_started`` events;
- the messages the bot struggled with (fell back, was unsure, handed over), by the trainer's
  inbox rules, folded one event at a time (:func:`bot.trainer.inbox.events.inbox_event`):
  :attr:`ConversationSummary.missed` collects those whose turn ended, the open turn stays
  in the state (:meth:`bot.trainer.inbox.events.InboxState.pending`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.intake.rating import MAX_SCORE, MIN_SCORE, parse_rating
from bot.settings import PROJECT_ROOT
from bot.trainer.inbox.events import InboxState, Message, inbox_event

#: The intake form.
INTAKE_FORM = "repair_form"
#: The action that creates a ticket from a confirmed intake, and the slot it sets.
SUBMIT_ACTION = "action_submit_ticket"
TICKET_SLOT = "ticket_no"
#: Actions that hand a conversation over to a person (``bot.actions.handoff.hand_over``).
HANDOFF_ACTIONS = frozenset({"action_handoff", "action_fallback"})
#: The callback slot and its value when a callback is offered after hours.
CALLBACK_SLOT = "callback_step"
CALLBACK_OFFERED = "offered"
#: The intake form's slot saying how the guided diagnosis ended, and its value when solved.
DIAGNOSIS_SLOT = "diagnosis"
DIAGNOSIS_SOLVED = "solved"
#: The form's own slots: the one it asks for next, the owner's confirmation, those skipped.
REQUESTED_SLOT = "requested_slot"
CONFIRMED_SLOT = "intake_confirmed"
SKIPPED_SLOT = "skipped_slots"
#: The funnel's stage after the form's slots (a ticket created), and the one before them.
TICKET_STAGE = "ticket"
STARTED_STAGE = "started"
#: The domain file whose intake form lists its slots, in the order they are asked.
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
#: The response that gives the hotline when no handoff could be recorded.
HOTLINE_RESPONSE = "utter_human_hotline"
#: The project's fallback action, and Rasa's own.
FALLBACK_ACTIONS = frozenset(
    {"action_fallback", "action_default_fallback", "action_two_stage_fallback"}
)
#: The action that stores a rating, the slot saying what it is about, and the entity.
RATING_ACTION = "action_store_rating"
RATING_CONTEXT_SLOT = "rating_context"
RATING_ENTITY = "rating"
#: What a rating may be about (``bot.tickets.models.RATING_CONTEXTS``), and the default.
RATING_CONTEXTS: tuple[str, ...] = ("ticket", "question", "handoff")
DEFAULT_RATING_CONTEXT = "question"
#: Rasa's prefixes of intents sent by reminders and external events, never typed.
EXTERNAL_PREFIXES = ("EXTERNAL: ", "EXTERNAL_")

#: Column widths of the stored summary: longer values are cut (channel, intent) or left out.
CHANNEL_MAX = 32
INTENT_MAX = 128
TICKET_NO_MAX = 32
#: Distinct intents kept per conversation; the rest are counted under :data:`OTHER_INTENTS`.
MAX_INTENTS = 100
OTHER_INTENTS = "(other)"
#: Event times at or after this (the year 3000) are not believed.
LATEST_TIMESTAMP = 32503680000.0


@dataclass
class FoldState:
    """What the fold remembers between events (stored with the summary).

    Attributes:
        last_action: The latest action run since the user's latest message, if any.
        active_loop: The active form or loop.
        rating_subject: The ``rating_context`` slot's value.
        offered_score: The score the user's latest message gives, if any.
        intake_stage: The furthest stage the latest intake reached (:func:`intake_stages`,
            ``started`` before any), ``None`` before the first intake.
        diagnosis_offered: Whether the latest intake offered the guided diagnosis (cleared
            once it is counted as going on to a ticket).
        inbox: The trainer's inbox fold (the open turn, whether paused).
    """

    last_action: str | None = None
    active_loop: str | None = None
    rating_subject: str | None = None
    offered_score: int | None = None
    intake_stage: str | None = None
    diagnosis_offered: bool = False
    inbox: InboxState = field(default_factory=InboxState)

    def as_dict(self) -> dict[str, Any]:
        """The state as a JSON-compatible dictionary."""
        return {**asdict(self), "inbox": self.inbox.as_dict()}

    @classmethod
    def from_dict(cls, value: Any) -> FoldState:
        """The state stored by :meth:`as_dict` (defaults for anything missing or odd)."""
        data = value if isinstance(value, Mapping) else {}
        score = data.get("offered_score")
        return cls(
            last_action=_text(data.get("last_action")),
            active_loop=_text(data.get("active_loop")),
            rating_subject=_text(data.get("rating_subject")),
            offered_score=score if _is_score(score) else None,
            intake_stage=_text(data.get("intake_stage")),
            diagnosis_offered=data.get("diagnosis_offered") is True,
            inbox=InboxState.from_dict(data.get("inbox")),
        )


@dataclass
class ConversationSummary:
    """How one conversation went, as far as its events so far tell.

    Times are seconds since the epoch (Rasa's event timestamps).

    Attributes:
        sender_id: The conversation.
        channel: The channel of the user's latest message.
        first_event_at: The earliest event time.
        last_event_at: The latest event time.
        events: Events folded.
        sessions: Sessions started.
        user_messages: Messages the user sent.
        intents: How many of them had each intent.
        intakes_started: Times the intake form was activated.
        tickets: The ticket numbers intakes ended in, first first, each once.
        handoffs: Times the bot handed the conversation over to a person.
        handoffs_queued: Of those, queued for an agent.
        callbacks_offered: Of those, a callback offered (outside the agents' hours).
        diagnosis_solved: Intakes the guided diagnosis solved, without a ticket.
        intake_slots: For each of the form's slots, the intakes that got at least that far
            (their furthest stage is that slot or a later one).
        intakes_confirmed: Intakes that got at least to the owner's confirmation.
        intake_tickets: Intakes that ended in a ticket.
        diagnosis_offered: Intakes that offered the guided diagnosis.
        diagnosis_to_ticket: Of those, intakes that went on to a ticket.
        fallbacks: Times the fallback action answered.
        ratings: Ratings the user gave.
        rating: The latest rating (1-5).
        rating_context: What the latest rating is about: ``ticket``, ``question``,
            ``handoff``.
        state: What the fold needs for the next events.
        missed: The messages the bot struggled with whose turn ended during this fold
            (not stored: the analytics consumer writes them to their own table).
    """

    sender_id: str
    channel: str | None = None
    first_event_at: float | None = None
    last_event_at: float | None = None
    events: int = 0
    sessions: int = 0
    user_messages: int = 0
    intents: dict[str, int] = field(default_factory=dict)
    intakes_started: int = 0
    tickets: list[str] = field(default_factory=list)
    handoffs: int = 0
    handoffs_queued: int = 0
    callbacks_offered: int = 0
    diagnosis_solved: int = 0
    intake_slots: dict[str, int] = field(default_factory=dict)
    intakes_confirmed: int = 0
    intake_tickets: int = 0
    diagnosis_offered: int = 0
    diagnosis_to_ticket: int = 0
    fallbacks: int = 0
    ratings: int = 0
    rating: int | None = None
    rating_context: str | None = None
    state: FoldState = field(default_factory=FoldState)
    missed: list[Message] = field(default_factory=list)


@lru_cache(maxsize=4)
def form_slots(domain: Path = DOMAIN_FILE) -> tuple[str, ...]:
    """The intake form's slots in the order it asks for them (the domain's ``required_slots``).

    The one definition the actions read too (``bot.actions.dialogue.FORM_SLOTS``).
    """
    with domain.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    spec = (data.get("forms") or {}).get(INTAKE_FORM) or {}
    return tuple(str(slot) for slot in spec.get("required_slots") or [])


def intake_stages() -> tuple[str, ...]:
    """How far an intake can get, in order: the form's slots (the confirmation last), a ticket."""
    return (*form_slots(), TICKET_STAGE)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _is_score(value: Any) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and MIN_SCORE <= value <= MAX_SCORE
    )


def _timestamp(event: Mapping[str, Any]) -> float | None:
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 0 <= value < LATEST_TIMESTAMP else None


def message_intent(event: Mapping[str, Any]) -> str | None:
    """The intent of a user event: the retrieval key (``faq/hotline``) when there is one."""
    parse = event.get("parse_data")
    if not isinstance(parse, Mapping):
        return None
    intent = parse.get("intent")
    name = _text(intent.get("name")) if isinstance(intent, Mapping) else None
    if name is None:
        return None
    selector = parse.get("response_selector")
    chosen = selector.get(name) if isinstance(selector, Mapping) else None
    response = chosen.get("response") if isinstance(chosen, Mapping) else None
    key = _text(response.get("intent_response_key")) if isinstance(response, Mapping) else None
    return key or name


def offered_score(event: Mapping[str, Any]) -> int | None:
    """The score a user event gives, read as ``action_store_rating`` reads it."""
    parse = event.get("parse_data")
    entities = parse.get("entities") if isinstance(parse, Mapping) else None
    for entity in entities if isinstance(entities, list) else []:
        if isinstance(entity, Mapping) and entity.get("entity") == RATING_ENTITY:
            value = entity.get("value")
            if value not in (None, ""):
                return parse_rating(str(value))
    text = event.get("text")
    return parse_rating(text) if isinstance(text, str) else None


def _count_intent(summary: ConversationSummary, intent: str) -> None:
    name = intent[:INTENT_MAX]
    if name not in summary.intents and len(summary.intents) >= MAX_INTENTS:
        name = OTHER_INTENTS
    summary.intents[name] = summary.intents.get(name, 0) + 1


def _user(summary: ConversationSummary, event: Mapping[str, Any]) -> None:
    state = summary.state
    state.last_action = None
    intent = message_intent(event)
    text = event.get("text")
    external = (intent or "").startswith(EXTERNAL_PREFIXES) or (
        isinstance(text, str) and text.startswith(EXTERNAL_PREFIXES)
    )
    if external:
        return
    summary.user_messages += 1
    if intent is not None:
        _count_intent(summary, intent)
    channel = _text(event.get("input_channel"))
    if channel is not None:
        summary.channel = channel[:CHANNEL_MAX]
    state.offered_score = offered_score(event)


def _action(summary: ConversationSummary, name: str | None) -> None:
    state = summary.state
    state.last_action = name
    if name in FALLBACK_ACTIONS:
        summary.fallbacks += 1
    if name == RATING_ACTION and state.offered_score is not None:
        summary.ratings += 1
        summary.rating = state.offered_score
        subject = state.rating_subject
        summary.rating_context = subject if subject in RATING_CONTEXTS else DEFAULT_RATING_CONTEXT
        state.offered_score = None


def _reach(summary: ConversationSummary, stage: str) -> None:
    """The latest intake got at least to ``stage``: count it at every stage up to there.

    Stages already counted for the intake are not counted again; a stage before its furthest
    one changes nothing.
    """
    state = summary.state
    stages = intake_stages()
    if state.intake_stage is None or stage not in stages:
        return
    target = stages.index(stage)
    current = stages.index(state.intake_stage) if state.intake_stage in stages else -1
    for name in stages[current + 1 : target + 1]:
        if name == TICKET_STAGE:
            summary.intake_tickets += 1
        else:
            summary.intake_slots[name] = summary.intake_slots.get(name, 0) + 1
        if name == CONFIRMED_SLOT:
            summary.intakes_confirmed += 1
    if target > current:
        state.intake_stage = stage


def _intake_slot(summary: ConversationSummary, name: Any, value: Any) -> None:
    """Count a slot the running intake form set (a value, skipped slots, the confirmation)."""
    state = summary.state
    if name == REQUESTED_SLOT and value == DIAGNOSIS_SLOT and not state.diagnosis_offered:
        state.diagnosis_offered = True
        summary.diagnosis_offered += 1
    elif name == SKIPPED_SLOT and isinstance(value, list):
        for skipped in value:
            if isinstance(skipped, str) and skipped != CONFIRMED_SLOT:
                _reach(summary, skipped)
    elif name == CONFIRMED_SLOT:
        if value is True:
            _reach(summary, name)
    elif isinstance(name, str) and value is not None and value != "" and value != []:
        _reach(summary, name)


def _slot(summary: ConversationSummary, name: Any, value: Any) -> None:
    state = summary.state
    handing_over = state.last_action in HANDOFF_ACTIONS
    if state.active_loop == INTAKE_FORM:
        _intake_slot(summary, name, value)
    if name == RATING_CONTEXT_SLOT:
        state.rating_subject = _text(value)
    elif name == TICKET_SLOT and state.last_action == SUBMIT_ACTION:
        ticket_no = _text(value)
        fits = ticket_no is not None and len(ticket_no) <= TICKET_NO_MAX
        if fits and ticket_no not in summary.tickets:
            summary.tickets.append(str(ticket_no))
            _reach(summary, TICKET_STAGE)
            if state.diagnosis_offered:
                summary.diagnosis_to_ticket += 1
                state.diagnosis_offered = False
    elif name == DIAGNOSIS_SLOT and value == DIAGNOSIS_SOLVED and state.last_action == INTAKE_FORM:
        summary.diagnosis_solved += 1
    elif name == CALLBACK_SLOT and value == CALLBACK_OFFERED and handing_over:
        summary.handoffs += 1
        summary.callbacks_offered += 1


def _active_loop(summary: ConversationSummary, name: str | None) -> None:
    state = summary.state
    if name == INTAKE_FORM and state.active_loop != INTAKE_FORM:
        summary.intakes_started += 1
        state.intake_stage = STARTED_STAGE
        state.diagnosis_offered = False
    state.active_loop = name


def _bot(summary: ConversationSummary, event: Mapping[str, Any]) -> None:
    metadata = event.get("metadata")
    response = metadata.get("utter_action") if isinstance(metadata, Mapping) else None
    if response == HOTLINE_RESPONSE and summary.state.last_action in HANDOFF_ACTIONS:
        summary.handoffs += 1


def _new_session(summary: ConversationSummary) -> None:
    # Rasa resets the tracker's state (slots, active loop) for a new session or a restart.
    summary.state.active_loop = None
    summary.state.rating_subject = None


def apply_event(summary: ConversationSummary, event: Mapping[str, Any]) -> None:
    """Fold one event into ``summary`` (in place).

    Events of unknown types, and odd values, count as events and change nothing else: a
    malformed event never raises.

    Args:
        summary: The conversation's summary so far.
        event: The next event (``Event.as_dict()``).
    """
    summary.events += 1
    if (closed := inbox_event(summary.state.inbox, event)) is not None:
        summary.missed.append(closed)
    when = _timestamp(event)
    if when is not None:
        if summary.first_event_at is None or when < summary.first_event_at:
            summary.first_event_at = when
        if summary.last_event_at is None or when > summary.last_event_at:
            summary.last_event_at = when
    kind = event.get("event")
    if kind == "user":
        _user(summary, event)
    elif kind == "action":
        _action(summary, _text(event.get("name")))
    elif kind == "slot":
        _slot(summary, event.get("name"), event.get("value"))
    elif kind == "active_loop":
        _active_loop(summary, _text(event.get("name")))
    elif kind == "bot":
        _bot(summary, event)
    elif kind == "pause" and summary.state.last_action in HANDOFF_ACTIONS:
        summary.handoffs += 1
        summary.handoffs_queued += 1
    elif kind == "session_started":
        summary.sessions += 1
        _new_session(summary)
    elif kind == "restart":
        _new_session(summary)


def summarize(sender_id: str, events: Iterable[Mapping[str, Any]]) -> ConversationSummary:
    """The summary of a conversation's events, oldest first.

    Args:
        sender_id: The conversation.
        events: Its events (``Event.as_dict()``).

    Returns:
        The summary.
    """
    summary = ConversationSummary(sender_id=sender_id)
    for event in events:
        apply_event(summary, event)
    return summary

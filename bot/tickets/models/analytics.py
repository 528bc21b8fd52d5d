"""Tables of the conversation analytics (written by ``python -m bot.analytics.consume``)."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Float, Integer, String, Text, UniqueConstraint

from bot.tickets.models.base import Base, UTCDateTime, in_check
from bot.tickets.models.tickets import MAX_SCORE, MIN_SCORE, RATING_CONTEXTS


class ConversationAnalytics(Base):  # type: ignore[misc]
    """How one conversation went, folded from Rasa's events (``analytics_conversations``).

    Written only by the analytics consumer (``python -m bot.analytics.consume``); the
    columns are those of :class:`bot.analytics.summary.ConversationSummary`, which says
    what each counts. ``intake_slots`` maps each of the intake form's slots to the intakes
    that got at least that far (the funnel; ``intake_tickets`` ended in a ticket).
    ``ticket_nos`` lists the tickets the conversation's intakes ended in (``tickets_created``
    of them, the latest in ``last_ticket_no``); ``intents`` maps each intent to how many of
    the user's messages had it. ``fold_state`` is what the fold needs to go on with the next
    events.
    """

    __tablename__ = "analytics_conversations"
    __table_args__ = (
        CheckConstraint(f"rating BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name="rating"),
        CheckConstraint(in_check("rating_context", RATING_CONTEXTS), name="rating_context"),
    )

    sender_id = Column(String(255), primary_key=True)
    channel = Column(String(32), nullable=True, index=True)
    first_event_at = Column(UTCDateTime, nullable=True)
    last_event_at = Column(UTCDateTime, nullable=True, index=True)
    events = Column(Integer, nullable=False)
    sessions = Column(Integer, nullable=False)
    user_messages = Column(Integer, nullable=False)
    intents = Column(JSON, nullable=False)
    intakes_started = Column(Integer, nullable=False)
    tickets_created = Column(Integer, nullable=False)
    ticket_nos = Column(JSON, nullable=False)
    last_ticket_no = Column(String(32), nullable=True)
    handoffs = Column(Integer, nullable=False)
    handoffs_queued = Column(Integer, nullable=False)
    callbacks_offered = Column(Integer, nullable=False)
    # after-sales: intakes the guided diagnosis solved, without a ticket (0012_diagnosis_outcome)
    diagnosis_solved = Column(Integer, nullable=False, default=0, server_default="0")
    # the manager's dashboard: the intake funnel and the diagnosis (0016_analytics_funnel)
    intake_slots = Column(JSON, nullable=False, default=dict, server_default="{}")
    intakes_confirmed = Column(Integer, nullable=False, default=0, server_default="0")
    intake_tickets = Column(Integer, nullable=False, default=0, server_default="0")
    diagnosis_offered = Column(Integer, nullable=False, default=0, server_default="0")
    diagnosis_to_ticket = Column(Integer, nullable=False, default=0, server_default="0")
    fallbacks = Column(Integer, nullable=False)
    ratings = Column(Integer, nullable=False)
    rating = Column(Integer, nullable=True)
    rating_context = Column(String(16), nullable=True)
    fold_state = Column(JSON, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


class AnalyticsEventKey(Base):  # type: ignore[misc]
    """A broker message already folded into ``analytics_conversations`` (``analytics_event_keys``).

    ``key`` is the SHA-256 of the message body (:mod:`bot.analytics.messages`): stored in
    the same transaction as the fold, it keeps a redelivered message from being counted
    twice. Keys older than the consumer's retention are deleted once the queue is drained.
    """

    __tablename__ = "analytics_event_keys"

    key = Column(String(64), primary_key=True)
    sender_id = Column(String(255), nullable=False)
    seen_at = Column(UTCDateTime, nullable=False, index=True)


class AnalyticsMissedMessage(Base):  # type: ignore[misc]
    """A message the bot struggled with, by the inbox's rules (``analytics_missed_messages``).

    Written by the analytics consumer as it folds the conversation's events
    (:mod:`bot.analytics.missed`): ``text`` is masked before it is written (no raw personal
    data here), ``reasons`` lists stable codes (``fallback``, ``low_confidence``,
    ``handoff``). ``number`` is the message's place among its conversation's user events: a
    turn that gets more reasons later updates its row. Rows older than the consumer's
    message retention are deleted.
    """

    __tablename__ = "analytics_missed_messages"
    __table_args__ = (UniqueConstraint("sender_id", "number"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    number = Column(Integer, nullable=False)
    channel = Column(String(32), nullable=True)
    sent_at = Column(UTCDateTime, nullable=False, index=True)
    text = Column(Text, nullable=False)
    intent = Column(String(128), nullable=False)
    confidence = Column(Float, nullable=False)
    reasons = Column(JSON, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

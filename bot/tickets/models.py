"""Table models of the ticket store.

The ``tickets`` table is a documented contract for integrations (repair centre
systems read it), so column names and allowed values only change through a
migration and a note to integrators.

Allowed values of ``status``, ``warranty_status``, ``service_type`` and the
rating ``context`` are plain strings guarded by CHECK constraints (portable
between SQLite and PostgreSQL); the tuples below are the single source of truth
for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
    true,
)
from sqlalchemy.orm import declarative_base, relationship

#: Every ticket status, in the usual order of a repair.
TICKET_STATUSES: tuple[str, ...] = (
    "submitted",
    "received",
    "diagnosing",
    "repairing",
    "ready",
    "shipped_back",
    "completed",
    "cancelled",
)
#: Statuses after which a ticket is closed.
CLOSED_STATUSES: tuple[str, ...] = ("completed", "cancelled")
#: Statuses of tickets still being worked on.
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in TICKET_STATUSES if s not in CLOSED_STATUSES)
#: Status of a newly created ticket.
INITIAL_STATUS = "submitted"

#: How the device reaches the repair centre.
SERVICE_TYPES: tuple[str, ...] = ("mail_in", "store", "home")
#: Warranty status recorded at intake.
WARRANTY_STATUSES: tuple[str, ...] = (
    "in_warranty",
    "extended_warranty",
    "out_of_warranty",
    "to_verify",
)

#: Service type whose device travels back by courier: ``shipped_back`` needs a tracking number.
MAIL_IN = "mail_in"
#: Status of a repaired device on its way back to the user.
SHIPPED_BACK = "shipped_back"

#: What a satisfaction rating is about: a repair ticket, an answered question, a human handoff.
RATING_CONTEXTS: tuple[str, ...] = ("ticket", "question", "handoff")
#: Lowest and highest satisfaction score (inclusive).
MIN_SCORE = 1
MAX_SCORE = 5

#: Constraint names are deterministic so migrations (and SQLite batch mode) can address them.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base: Any = declarative_base(metadata=metadata)


def in_check(column: str, values: tuple[str, ...]) -> str:
    """Return the SQL of a CHECK that ``column`` is one of ``values``.

    Args:
        column: Column name.
        values: Allowed values (plain identifiers, no quotes).

    Returns:
        SQL text usable in a ``CheckConstraint``.
    """
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator):  # type: ignore[misc]
    """A timezone-aware timestamp that is always stored and returned in UTC.

    SQLite has no time zones: values are stored as naive UTC and made aware again
    when read. Naive datetimes are refused when binding.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetimes are not allowed in the ticket store")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class Ticket(Base):  # type: ignore[misc]
    """A repair ticket (table ``tickets``)."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(in_check("status", TICKET_STATUSES), name="status"),
        CheckConstraint(in_check("warranty_status", WARRANTY_STATUSES), name="warranty_status"),
        CheckConstraint(in_check("service_type", SERVICE_TYPES), name="service_type"),
    )

    id = Column(Integer, primary_key=True)
    ticket_no = Column(String(32), nullable=False, unique=True)
    intake_id = Column(String(64), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    device_model_id = Column(String(64), nullable=False)
    serial_number = Column(String(64), nullable=True, index=True)
    purchase_date = Column(Date, nullable=True)
    warranty_status = Column(String(32), nullable=False)
    fault_category = Column(String(64), nullable=False)
    fault_description = Column(Text, nullable=False)
    service_type = Column(String(16), nullable=False)
    city = Column(String(64), nullable=True)
    contact_phone = Column(String(32), nullable=False, index=True)
    status = Column(String(32), nullable=False, default=INITIAL_STATUS)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

    history = relationship(
        "TicketStatusHistory",
        back_populates="ticket",
        order_by="(TicketStatusHistory.changed_at, TicketStatusHistory.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TicketStatusHistory(Base):  # type: ignore[misc]
    """One status change of a ticket (table ``ticket_status_history``)."""

    __tablename__ = "ticket_status_history"
    __table_args__ = (CheckConstraint(in_check("status", TICKET_STATUSES), name="status"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = Column(String(32), nullable=False)
    note = Column(Text, nullable=True)
    changed_by = Column(String(64), nullable=False)
    changed_at = Column(UTCDateTime, nullable=False)
    # Courier tracking of a device sent back (``shipped_back`` rows only).
    tracking_no = Column(String(64), nullable=True)
    courier = Column(String(32), nullable=True)

    ticket = relationship("Ticket", back_populates="history")


class ExtendedWarranty(Base):  # type: ignore[misc]
    """An extended warranty plan bought for one device (table ``extended_warranties``)."""

    __tablename__ = "extended_warranties"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)

    id = Column(Integer, primary_key=True)
    serial_number = Column(String(64), nullable=False, index=True)
    plan = Column(String(64), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    source = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class Complaint(Base):  # type: ignore[misc]
    """A complaint left by a user in a conversation (table ``complaints``).

    ``ticket_no`` is what the conversation referred to, not a foreign key: a
    complaint is kept even when the number turns out to be wrong.
    """

    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    ticket_no = Column(String(32), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)


class SatisfactionRating(Base):  # type: ignore[misc]
    """A 1-5 satisfaction score given at the end of a conversation (``satisfaction_ratings``)."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        CheckConstraint(f"score BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name="score"),
        CheckConstraint(in_check("context", RATING_CONTEXTS), name="context"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    score = Column(Integer, nullable=False)
    context = Column(String(16), nullable=False)
    ticket_no = Column(String(32), nullable=True)
    comment = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)


#: What a user may attach to a repair (a photo of the fault for now).
ATTACHMENT_KINDS: tuple[str, ...] = ("image",)


class Attachment(Base):  # type: ignore[misc]
    """A file a user sent in a conversation, e.g. a photo of the fault (``attachments``).

    Sent during an intake, it carries the intake id and is linked to the ticket when the
    ticket is created; sent later, it is linked to a ticket directly. ``storage_key`` says
    where the bytes are (a path under the upload directory, or a channel's media id).
    """

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(in_check("kind", ATTACHMENT_KINDS), name="kind"),
        CheckConstraint("size_bytes >= 0", name="size"),
    )

    id = Column(Integer, primary_key=True)
    public_id = Column(String(32), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    intake_id = Column(String(64), nullable=True, index=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind = Column(String(16), nullable=False)
    content_type = Column(String(64), nullable=False)
    size_bytes = Column(Integer, nullable=False)
    storage_key = Column(Text, nullable=False)
    source_ref = Column(String(255), nullable=True)
    created_at = Column(UTCDateTime, nullable=False)


#: Every status of a handoff to a human agent.
HANDOFF_STATUSES: tuple[str, ...] = ("queued", "active", "returned", "closed", "callback")
#: Statuses of a handoff still waiting for or held by an agent (at most one per sender).
OPEN_HANDOFF_STATUSES: tuple[str, ...] = ("queued", "active")
#: How an agent ends a handoff: back to the assistant, or conversation closed.
HANDOFF_OUTCOMES: tuple[str, ...] = ("returned", "closed")
#: Status of a callback request: to be called, or called.
CALLBACK_STATUSES: tuple[str, ...] = ("open", "done")


class Agent(Base):  # type: ignore[misc]
    """A hotline agent who signs in to the agent console (table ``agents``).

    ``username`` is stored lower-case; ``password_hash`` is a self-describing scrypt
    string (:mod:`bot.console.passwords`). Agents are disabled, never deleted.
    """

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(32), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime, nullable=True)


class AgentSession(Base):  # type: ignore[misc]
    """A signed-in console session (table ``agent_sessions``).

    Only the SHA-256 of the random session token is stored, never the token.
    """

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_id = Column(
        Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime, nullable=True)


class SignInThrottle(Base):  # type: ignore[misc]
    """Failed console sign-ins of one username or one client address (``sign_in_throttle``).

    ``key`` is ``user:`` or ``addr:`` and a SHA-256 (never the name or address itself).
    ``failures`` counts the failures (and the attempts still running) since
    ``window_started_at``; at the limit the key is locked until ``locked_until``. Shared by
    every Rasa worker through the ticket database.
    """

    __tablename__ = "sign_in_throttle"

    key = Column(String(80), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    window_started_at = Column(UTCDateTime, nullable=False)
    locked_until = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, index=True)


#: SQL condition of an open handoff (partial unique index: one open handoff per sender).
OPEN_HANDOFF_CONDITION = in_check("status", OPEN_HANDOFF_STATUSES)


class Handoff(Base):  # type: ignore[misc]
    """A conversation handed to a human agent (table ``handoffs``).

    ``queued`` until an agent claims it (``active``), then ``returned`` to the assistant
    or ``closed``; ``callback`` when nobody could take it and the user asked to be called.
    ``summary`` is what the agent sees first (slots, tickets, last messages); the store
    does not look inside it.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(in_check("status", HANDOFF_STATUSES), name="status"),
        Index(
            "uq_handoffs_open_sender_id",
            "sender_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF_CONDITION),
            postgresql_where=text(OPEN_HANDOFF_CONDITION),
        ),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reason = Column(String(64), nullable=False)
    summary = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime, nullable=True)
    ended_at = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)
    outcome = Column(String(64), nullable=True)


class CallbackRequest(Base):  # type: ignore[misc]
    """A user's request to be called back by the hotline (table ``callback_requests``)."""

    __tablename__ = "callback_requests"
    __table_args__ = (CheckConstraint(in_check("status", CALLBACK_STATUSES), name="status"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=False)
    phone = Column(String(32), nullable=False)
    reason = Column(String(64), nullable=False)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True)
    status = Column(String(8), nullable=False, default="open", server_default="open")
    created_at = Column(UTCDateTime, nullable=False)
    done_at = Column(UTCDateTime, nullable=True)
    done_by = Column(String(64), nullable=True)


class TicketVerification(Base):  # type: ignore[misc]
    """One try of a conversation to prove a ticket by its contact phone (``ticket_verifications``).

    Failed tries limit further ones per conversation and per ticket number; a successful
    one lets that conversation see the ticket for a while. ``ticket_no`` is the number as
    the user gave it (normalised), with no foreign key: numbers that do not exist are
    counted exactly like those that do.
    """

    __tablename__ = "ticket_verifications"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    ticket_no = Column(String(32), nullable=False, index=True)
    succeeded = Column(Boolean, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, index=True)


class ConversationAnalytics(Base):  # type: ignore[misc]
    """How one conversation went, folded from Rasa's events (``analytics_conversations``).

    Written only by the analytics consumer (``python -m bot.analytics.consume``); the
    columns are those of :class:`bot.analytics.summary.ConversationSummary`, which says
    what each counts. ``ticket_nos`` lists the tickets the conversation's intakes ended in
    (``tickets_created`` of them, the latest in ``last_ticket_no``); ``intents`` maps each
    intent to how many of the user's messages had it. ``fold_state`` is what the fold needs
    to go on with the next events.
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

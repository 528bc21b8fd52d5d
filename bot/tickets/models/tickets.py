"""Tables of repairs: tickets, their status history, extended warranties, feedback, photos.

The ``tickets`` table's own columns are derived from :class:`bot.tickets.draft.TicketDraft`
(:func:`draft_columns`); the columns the store adds (number, status, times) are declared here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeEngine

from bot.tickets.draft import ColumnSpec, ticket_fields
from bot.tickets.models.base import Base, UTCDateTime, in_check

#: Every ticket status, in the usual order of a repair.
TICKET_STATUSES: tuple[str, ...] = (
    "submitted",
    "received",
    "diagnosing",
    "repairing",
    "returning",
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
#: Service type whose device travels back by courier: ``shipped_back`` needs a tracking number.
MAIL_IN = "mail_in"
#: Status of a repaired device on its way back to the user.
SHIPPED_BACK = "shipped_back"
#: Status of a device going back unrepaired (the owner declined the quote).
RETURNING = "returning"

#: What a satisfaction rating is about: a repair ticket, an answered question, a human handoff.
RATING_CONTEXTS: tuple[str, ...] = ("ticket", "question", "handoff")
#: Lowest and highest satisfaction score (inclusive).
MIN_SCORE = 1
MAX_SCORE = 5


def _column_type(column: ColumnSpec) -> TypeEngine[Any]:
    if column.type == "string":
        return String(column.length)
    return Text() if column.type == "text" else Date()


def draft_columns() -> dict[str, Column[Any]]:
    """The ``tickets`` columns of :class:`~bot.tickets.draft.TicketDraft`'s fields, by name."""
    return {
        spec.name: Column(
            _column_type(spec.column),
            nullable=spec.column.nullable,
            index=spec.column.index or None,
            unique=spec.column.unique or None,
        )
        for spec in ticket_fields()
    }


def draft_checks() -> tuple[CheckConstraint, ...]:
    """CHECK constraints of the draft's fields with limited values (named after the field)."""
    return tuple(
        CheckConstraint(in_check(spec.name, spec.column.choices), name=spec.name)
        for spec in ticket_fields()
        if spec.column.choices
    )


#: The draft's columns as a declarative mixin (each model using it gets copies).
TicketDraftColumns: Any = type("TicketDraftColumns", (), draft_columns())


class Ticket(TicketDraftColumns, Base):  # type: ignore[misc]
    """A repair ticket (table ``tickets``): the draft's fields plus number, status and times."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(in_check("status", TICKET_STATUSES), name="status"),
        *draft_checks(),
    )

    id = Column(Integer, primary_key=True)
    ticket_no = Column(String(32), nullable=False, unique=True)
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

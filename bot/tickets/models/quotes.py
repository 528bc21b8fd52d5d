"""Tables of repair quotes: a price set by staff after inspection, decided by the owner.

Amounts are integer fen (1/100 yuan) in CNY, never floats. ``total_fen`` is the sum of the
parts and the labour, checked by the database. At most one quote per ticket is ``pending``
(partial unique index); a new quote supersedes the pending one.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from bot.tickets.models.base import Base, UTCDateTime, in_check

#: Every status of a quote: waiting for the owner, approved, declined, replaced by a newer one.
QUOTE_STATUSES: tuple[str, ...] = ("pending", "approved", "declined", "superseded")
#: Statuses of a quote the owner has decided on.
DECIDED_QUOTE_STATUSES: tuple[str, ...] = ("approved", "declined")
#: Where an owner's decision was taken: in chat, or recorded by staff (console, CLI).
QUOTE_DECISION_CHANNELS: tuple[str, ...] = ("chat", "console", "cli")
#: The only currency of quotes (amounts in fen).
QUOTE_CURRENCIES: tuple[str, ...] = ("CNY",)
#: SQL condition of a pending quote (partial unique index: one pending quote per ticket).
PENDING_QUOTE_CONDITION = in_check("status", ("pending",))
#: A decision is recorded exactly for decided quotes.
_DECISION_CONDITION = (
    f"({in_check('status', DECIDED_QUOTE_STATUSES)} AND decided_at IS NOT NULL "
    f"AND decided_via IS NOT NULL) OR "
    f"(status NOT IN ('approved', 'declined') AND decided_at IS NULL AND decided_via IS NULL)"
)


class TicketQuote(Base):  # type: ignore[misc]
    """A quote of a ticket's repair (table ``ticket_quotes``)."""

    __tablename__ = "ticket_quotes"
    __table_args__ = (
        CheckConstraint(in_check("status", QUOTE_STATUSES), name="status"),
        CheckConstraint(in_check("currency", QUOTE_CURRENCIES), name="currency"),
        CheckConstraint(in_check("decided_via", QUOTE_DECISION_CHANNELS), name="decided_via"),
        CheckConstraint("parts_fen >= 0 AND labour_fen >= 0", name="amounts"),
        CheckConstraint("total_fen = parts_fen + labour_fen", name="total"),
        CheckConstraint(_DECISION_CONDITION, name="decision"),
        Index(
            "uq_ticket_quotes_pending_ticket_id",
            "ticket_id",
            unique=True,
            sqlite_where=text(PENDING_QUOTE_CONDITION),
            postgresql_where=text(PENDING_QUOTE_CONDITION),
        ),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = Column(String(16), nullable=False)
    currency = Column(String(3), nullable=False)
    parts_fen = Column(Integer, nullable=False)
    labour_fen = Column(Integer, nullable=False)
    total_fen = Column(Integer, nullable=False)
    note = Column(Text, nullable=True)
    set_by = Column(String(64), nullable=False)
    set_at = Column(UTCDateTime, nullable=False)
    decided_at = Column(UTCDateTime, nullable=True)
    decided_via = Column(String(16), nullable=True)
    decided_by = Column(String(64), nullable=True)

    parts = relationship(
        "TicketQuotePart",
        order_by="TicketQuotePart.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TicketQuotePart(Base):  # type: ignore[misc]
    """One part of a quote (table ``ticket_quote_parts``); ``part_id`` names a catalogued part."""

    __tablename__ = "ticket_quote_parts"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount"),)

    id = Column(Integer, primary_key=True)
    quote_id = Column(
        Integer, ForeignKey("ticket_quotes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    part_id = Column(String(32), nullable=True)
    name = Column(String(64), nullable=False)
    amount_fen = Column(Integer, nullable=False)

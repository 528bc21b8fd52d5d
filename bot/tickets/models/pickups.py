"""Courier pickups of mail-in repairs (table ``pickups``).

A pickup is booked by the owner in chat: the address (province / city / district /
street), a date and a time window. It is stored before the courier is called, so a
courier that is down loses nothing: ``courier_action`` says what still has to be sent
(``book``, ``change`` or ``cancel``) and the retrier sends it later.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    text,
)

from bot.tickets.models.base import Base, UTCDateTime, in_check

#: Every pickup status: waiting for the courier's confirmation, confirmed, cancelled by the
#: owner, refused by the courier (or given up after retries), collected, delivered to the centre.
PICKUP_STATUSES: tuple[str, ...] = (
    "pending",
    "booked",
    "cancelled",
    "failed",
    "picked_up",
    "delivered",
)
#: Statuses of a pickup still to come: a ticket has at most one such pickup.
ACTIVE_PICKUP_STATUSES: tuple[str, ...] = ("pending", "booked")
#: What still has to be sent to the courier.
COURIER_ACTIONS: tuple[str, ...] = ("book", "change", "cancel")
#: SQL condition of an active pickup (the partial unique index).
ACTIVE_PICKUP_CONDITION = in_check("status", ACTIVE_PICKUP_STATUSES)


class Pickup(Base):  # type: ignore[misc]
    """A courier pickup of a mail-in ticket's device (table ``pickups``)."""

    __tablename__ = "pickups"
    __table_args__ = (
        CheckConstraint(in_check("status", PICKUP_STATUSES), name="status"),
        CheckConstraint(in_check("courier_action", COURIER_ACTIONS), name="courier_action"),
        CheckConstraint("window_end > window_start", name="window"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(
            "uq_pickups_active_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=text(ACTIVE_PICKUP_CONDITION),
            postgresql_where=text(ACTIVE_PICKUP_CONDITION),
        ),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    province = Column(String(32), nullable=False)
    city = Column(String(32), nullable=False)
    district = Column(String(32), nullable=False)
    street = Column(String(255), nullable=False)
    pickup_date = Column(Date, nullable=False)
    window_start = Column(Time, nullable=False)
    window_end = Column(Time, nullable=False)
    status = Column(String(16), nullable=False)
    courier_action = Column(String(16), nullable=True, index=True)
    courier_order_id = Column(String(64), nullable=True, unique=True, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    next_attempt_at = Column(UTCDateTime, nullable=True)
    created_by = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

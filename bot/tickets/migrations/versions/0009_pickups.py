"""Courier pickups of mail-in repairs: address, date and window, courier order, retries.

Revision ID: 0009_pickups
Revises: 0008_quotes
Create Date: 2026-12-03 18:00:00

Hand-written to match bot/tickets/models/pickups.py (Pickup).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_pickups"
down_revision: str | None = "0008_quotes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values at this revision.
PICKUP_STATUSES = ("pending", "booked", "cancelled", "failed", "picked_up", "delivered")
COURIER_ACTIONS = ("book", "change", "cancel")
ACTIVE_CONDITION = "status IN ('pending', 'booked')"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "pickups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("street", sa.String(length=255), nullable=False),
        sa.Column("pickup_date", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("courier_action", sa.String(length=16), nullable=True),
        sa.Column("courier_order_id", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickups")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_pickups_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_in("status", PICKUP_STATUSES), name=op.f("ck_pickups_status")),
        sa.CheckConstraint(
            _in("courier_action", COURIER_ACTIONS), name=op.f("ck_pickups_courier_action")
        ),
        sa.CheckConstraint("window_end > window_start", name=op.f("ck_pickups_window")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_pickups_attempts")),
    )
    op.create_index(op.f("ix_pickups_ticket_id"), "pickups", ["ticket_id"])
    op.create_index(op.f("ix_pickups_courier_action"), "pickups", ["courier_action"])
    op.create_index(
        op.f("ix_pickups_courier_order_id"), "pickups", ["courier_order_id"], unique=True
    )
    op.create_index(
        "uq_pickups_active_ticket",
        "pickups",
        ["ticket_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_CONDITION),
        postgresql_where=sa.text(ACTIVE_CONDITION),
    )


def downgrade() -> None:
    op.drop_index("uq_pickups_active_ticket", table_name="pickups")
    op.drop_index(op.f("ix_pickups_courier_order_id"), table_name="pickups")
    op.drop_index(op.f("ix_pickups_courier_action"), table_name="pickups")
    op.drop_index(op.f("ix_pickups_ticket_id"), table_name="pickups")
    op.drop_table("pickups")

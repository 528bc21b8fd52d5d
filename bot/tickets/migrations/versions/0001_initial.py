"""Initial ticket store: tickets, ticket_status_history, extended_warranties.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:00:00

Hand-written to match bot/tickets/models.py (constraint names follow its
naming convention and are given in full with op.f()).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values at this revision (later revisions must not
# import them from the models, whose values may change).
TICKET_STATUSES = (
    "submitted",
    "received",
    "diagnosing",
    "repairing",
    "ready",
    "shipped_back",
    "completed",
    "cancelled",
)
SERVICE_TYPES = ("mail_in", "store", "home")
WARRANTY_STATUSES = ("in_warranty", "extended_warranty", "out_of_warranty", "to_verify")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("intake_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("device_model_id", sa.String(length=64), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("warranty_status", sa.String(length=32), nullable=False),
        sa.Column("fault_category", sa.String(length=64), nullable=False),
        sa.Column("fault_description", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_tickets_ticket_no")),
        sa.UniqueConstraint("intake_id", name=op.f("uq_tickets_intake_id")),
        sa.CheckConstraint(_in("status", TICKET_STATUSES), name=op.f("ck_tickets_status")),
        sa.CheckConstraint(
            _in("warranty_status", WARRANTY_STATUSES), name=op.f("ck_tickets_warranty_status")
        ),
        sa.CheckConstraint(
            _in("service_type", SERVICE_TYPES), name=op.f("ck_tickets_service_type")
        ),
    )
    op.create_index(op.f("ix_tickets_sender_id"), "tickets", ["sender_id"])
    op.create_index(op.f("ix_tickets_serial_number"), "tickets", ["serial_number"])
    op.create_index(op.f("ix_tickets_contact_phone"), "tickets", ["contact_phone"])

    op.create_table(
        "ticket_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_status_history")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_status_history_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            _in("status", TICKET_STATUSES), name=op.f("ck_ticket_status_history_status")
        ),
    )
    op.create_index(
        op.f("ix_ticket_status_history_ticket_id"), "ticket_status_history", ["ticket_id"]
    )

    op.create_table(
        "extended_warranties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extended_warranties")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_extended_warranties_period")),
    )
    op.create_index(
        op.f("ix_extended_warranties_serial_number"), "extended_warranties", ["serial_number"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_extended_warranties_serial_number"), table_name="extended_warranties")
    op.drop_table("extended_warranties")
    op.drop_index(op.f("ix_ticket_status_history_ticket_id"), table_name="ticket_status_history")
    op.drop_table("ticket_status_history")
    op.drop_index(op.f("ix_tickets_contact_phone"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_serial_number"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_sender_id"), table_name="tickets")
    op.drop_table("tickets")

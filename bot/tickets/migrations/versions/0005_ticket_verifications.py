"""Ticket checks: a conversation proving a ticket by its contact phone (attempt limits).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:00:00

Hand-written to match bot/tickets/models.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_verifications")),
    )
    op.create_index(
        op.f("ix_ticket_verifications_sender_id"), "ticket_verifications", ["sender_id"]
    )
    op.create_index(
        op.f("ix_ticket_verifications_ticket_no"), "ticket_verifications", ["ticket_no"]
    )
    op.create_index(
        op.f("ix_ticket_verifications_created_at"), "ticket_verifications", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_verifications_created_at"), table_name="ticket_verifications")
    op.drop_index(op.f("ix_ticket_verifications_ticket_no"), table_name="ticket_verifications")
    op.drop_index(op.f("ix_ticket_verifications_sender_id"), table_name="ticket_verifications")
    op.drop_table("ticket_verifications")

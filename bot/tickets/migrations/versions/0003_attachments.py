"""Attachments: photos of the fault sent in a conversation, linked to tickets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:40:00

Hand-written to match bot/tickets/models.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision.
ATTACHMENT_KINDS = ("image",)


def upgrade() -> None:
    kinds = ", ".join(repr(k) for k in ATTACHMENT_KINDS)
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("intake_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("public_id", name=op.f("uq_attachments_public_id")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_attachments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_attachments_kind")),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_attachments_size")),
    )
    op.create_index(op.f("ix_attachments_sender_id"), "attachments", ["sender_id"])
    op.create_index(op.f("ix_attachments_intake_id"), "attachments", ["intake_id"])
    op.create_index(op.f("ix_attachments_ticket_id"), "attachments", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_attachments_ticket_id"), table_name="attachments")
    op.drop_index(op.f("ix_attachments_intake_id"), table_name="attachments")
    op.drop_index(op.f("ix_attachments_sender_id"), table_name="attachments")
    op.drop_table("attachments")

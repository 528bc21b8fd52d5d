"""Notices to owners: the outbox of progress notices, and the owners who opted out.

Revision ID: 0011_outbox
Revises: 0010_warranty_cards
Create Date: 2026-12-03 18:00:00

Hand-written to match bot/tickets/models/outbox.py (NoticeOutbox, NoticeOptOut).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_outbox"
down_revision: str | None = "0010_warranty_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision.
NOTICE_CHANNELS = ("wechat", "web", "sms")
NOTICE_STATUSES = ("pending", "sent", "failed", "skipped")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "notice_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_outbox")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_notice_outbox_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_in("channel", NOTICE_CHANNELS), name=op.f("ck_notice_outbox_channel")),
        sa.CheckConstraint(_in("status", NOTICE_STATUSES), name=op.f("ck_notice_outbox_status")),
    )
    op.create_index(op.f("ix_notice_outbox_ticket_id"), "notice_outbox", ["ticket_id"])
    op.create_index("ix_notice_outbox_due", "notice_outbox", ["status", "next_attempt_at"])

    op.create_table(
        "notice_opt_outs",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "sender_id", name=op.f("pk_notice_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("notice_opt_outs")
    op.drop_index("ix_notice_outbox_due", table_name="notice_outbox")
    op.drop_index(op.f("ix_notice_outbox_ticket_id"), table_name="notice_outbox")
    op.drop_table("notice_outbox")

"""Conversation analytics from the event broker: one row per conversation, folded event keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00

Hand-written to match bot/tickets/models.py (ConversationAnalytics, AnalyticsEventKey).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision.
RATING_CONTEXTS = ("ticket", "question", "handoff")
MIN_SCORE = 1
MAX_SCORE = 5


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "analytics_conversations",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("first_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("intakes_started", sa.Integer(), nullable=False),
        sa.Column("tickets_created", sa.Integer(), nullable=False),
        sa.Column("ticket_nos", sa.JSON(), nullable=False),
        sa.Column("last_ticket_no", sa.String(length=32), nullable=True),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.Column("handoffs_queued", sa.Integer(), nullable=False),
        sa.Column("callbacks_offered", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_context", sa.String(length=16), nullable=True),
        sa.Column("fold_state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name=op.f("pk_analytics_conversations")),
        sa.CheckConstraint(
            f"rating BETWEEN {MIN_SCORE} AND {MAX_SCORE}",
            name=op.f("ck_analytics_conversations_rating"),
        ),
        sa.CheckConstraint(
            _in("rating_context", RATING_CONTEXTS),
            name=op.f("ck_analytics_conversations_rating_context"),
        ),
    )
    op.create_index(
        op.f("ix_analytics_conversations_channel"), "analytics_conversations", ["channel"]
    )
    op.create_index(
        op.f("ix_analytics_conversations_last_event_at"),
        "analytics_conversations",
        ["last_event_at"],
    )

    op.create_table(
        "analytics_event_keys",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_analytics_event_keys")),
    )
    op.create_index(op.f("ix_analytics_event_keys_seen_at"), "analytics_event_keys", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_analytics_event_keys_seen_at"), table_name="analytics_event_keys")
    op.drop_table("analytics_event_keys")
    op.drop_index(
        op.f("ix_analytics_conversations_last_event_at"), table_name="analytics_conversations"
    )
    op.drop_index(op.f("ix_analytics_conversations_channel"), table_name="analytics_conversations")
    op.drop_table("analytics_conversations")

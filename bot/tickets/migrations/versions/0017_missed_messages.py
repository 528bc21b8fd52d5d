"""The messages the bot struggled with, folded from the event broker, for the manager's dashboard.

Revision ID: 0017_missed_messages
Revises: 0016_analytics_funnel
Create Date: 2026-12-04 18:00:00

Hand-written to match bot/tickets/models/analytics.py (AnalyticsMissedMessage). The table
starts empty: messages of conversations folded before this revision are not re-read.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_missed_messages"
down_revision: str | None = "0016_analytics_funnel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "analytics_missed_messages"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=128), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("sender_id", "number", name=op.f(f"uq_{TABLE}_sender_id")),
    )
    op.create_index(op.f(f"ix_{TABLE}_sent_at"), TABLE, ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{TABLE}_sent_at"), table_name=TABLE)
    op.drop_table(TABLE)

"""Conversation analytics: how many intakes the guided diagnosis solved without a ticket.

Revision ID: 0012_diagnosis_outcome
Revises: 0011_outbox
Create Date: 2026-12-03 18:30:00

Hand-written to match bot/tickets/models/analytics.py (ConversationAnalytics.diagnosis_solved).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_diagnosis_outcome"
down_revision: str | None = "0011_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_conversations") as batch:
        batch.add_column(
            sa.Column("diagnosis_solved", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_conversations") as batch:
        batch.drop_column("diagnosis_solved")

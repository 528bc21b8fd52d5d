"""Conversation analytics: the intake funnel and the guided diagnosis, for the manager's dashboard.

Revision ID: 0016_analytics_funnel
Revises: 0015_agent_tools
Create Date: 2026-12-04 17:00:00

Hand-written to match bot/tickets/models/analytics.py (ConversationAnalytics.intake_slots,
intakes_confirmed, intake_tickets, diagnosis_offered, diagnosis_to_ticket): per stage of the
intake, the intakes that got at least that far. Rows folded before this revision count none
of them (their intakes are not re-read).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_analytics_funnel"
down_revision: str | None = "0015_agent_tools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The new counters (integers, 0 for the rows already there).
COUNTERS = ("intakes_confirmed", "intake_tickets", "diagnosis_offered", "diagnosis_to_ticket")


def upgrade() -> None:
    with op.batch_alter_table("analytics_conversations") as batch:
        batch.add_column(sa.Column("intake_slots", sa.JSON(), nullable=False, server_default="{}"))
        for name in COUNTERS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("analytics_conversations") as batch:
        for name in (*reversed(COUNTERS), "intake_slots"):
            batch.drop_column(name)

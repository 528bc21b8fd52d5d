"""Console roles: agents, supervisors (the team's view) and managers (the dashboard).

Revision ID: 0014_agent_roles
Revises: 0013_returning_status
Create Date: 2026-12-04 17:10:00

Hand-written to match bot/tickets/models/console.py (Agent.role, AGENT_ROLES). Existing
accounts become plain agents; ``python -m bot.console.cli set-role`` promotes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_agent_roles"
down_revision: str | None = "0013_returning_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the roles at this revision (see 0001).
ROLES = ("agent", "supervisor", "manager")


def upgrade() -> None:
    roles = ", ".join(repr(role) for role in ROLES)
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="agent"))
        batch.create_check_constraint(op.f("ck_agents_role"), f"role IN ({roles})")


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_constraint(op.f("ck_agents_role"), type_="check")
        batch.drop_column("role")

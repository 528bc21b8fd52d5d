"""Agent tools: presence, abandoned handoffs, owner signs, internal notes.

Revision ID: 0015_agent_tools
Revises: 0014_agent_roles
Create Date: 2026-12-04 17:30:00

Hand-written to match bot/tickets/models/console.py (Agent.presence, presence_at;
Handoff.owner_seen_at, owner_left_at; HANDOFF_STATUSES with ``abandoned``) and
bot/tickets/models/notes.py (``internal_notes``). The CHECK on ``handoffs.status`` is replaced
in batch mode. SQLite's batch mode copies ``handoffs`` and would lose the WHERE of the partial
unique index (SQLAlchemy 1.4 does not reflect it), so that index is dropped first and created
again afterwards.

Downgrade maps ``abandoned`` to ``closed`` (ended, outcome kept as ``abandoned``), so no row
is lost; notes are dropped with their table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_agent_tools"
down_revision: str | None = "0014_agent_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values before and after this revision (see 0001).
OLD_HANDOFF_STATUSES = ("queued", "active", "returned", "closed", "callback")
NEW_HANDOFF_STATUSES = (*OLD_HANDOFF_STATUSES, "abandoned")
OPEN_HANDOFF_STATUSES = ("queued", "active")
PRESENCES = ("online", "away", "offline")
NOTE_KINDS = ("note", "transfer")
ABANDONED = "abandoned"
#: What ``abandoned`` becomes on downgrade (the outcome column keeps ``abandoned``).
DOWNGRADED_TO = "closed"
OPEN_INDEX = "uq_handoffs_open_sender_id"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _drop_open_index() -> None:
    op.drop_index(OPEN_INDEX, table_name="handoffs")


def _create_open_index() -> None:
    open_condition = sa.text(_in("status", OPEN_HANDOFF_STATUSES))
    op.create_index(
        OPEN_INDEX,
        "handoffs",
        ["sender_id"],
        unique=True,
        sqlite_where=open_condition,
        postgresql_where=open_condition,
    )


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("presence", sa.String(8), nullable=False, server_default="offline")
        )
        batch.add_column(sa.Column("presence_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(op.f("ck_agents_presence"), _in("presence", PRESENCES))

    _drop_open_index()
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("owner_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("owner_left_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_handoffs_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_handoffs_status"), _in("status", NEW_HANDOFF_STATUSES)
        )
    _create_open_index()

    op.create_table(
        "internal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("to_agent_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_notes")),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_internal_notes_handoff_id_handoffs")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_internal_notes_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_internal_notes_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["to_agent_id"], ["agents.id"], name=op.f("fk_internal_notes_to_agent_id_agents")
        ),
        sa.CheckConstraint(_in("kind", NOTE_KINDS), name=op.f("ck_internal_notes_kind")),
        sa.CheckConstraint(
            "(handoff_id IS NULL) <> (ticket_id IS NULL)", name=op.f("ck_internal_notes_one_target")
        ),
        sa.CheckConstraint(
            "kind <> 'transfer' OR to_agent_id IS NOT NULL",
            name=op.f("ck_internal_notes_transfer_to"),
        ),
    )
    op.create_index(op.f("ix_internal_notes_handoff_id"), "internal_notes", ["handoff_id"])
    op.create_index(op.f("ix_internal_notes_ticket_id"), "internal_notes", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_internal_notes_ticket_id"), table_name="internal_notes")
    op.drop_index(op.f("ix_internal_notes_handoff_id"), table_name="internal_notes")
    op.drop_table("internal_notes")

    handoffs = sa.table("handoffs", sa.column("status", sa.String))
    op.execute(handoffs.update().where(handoffs.c.status == ABANDONED).values(status=DOWNGRADED_TO))
    _drop_open_index()
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_constraint(op.f("ck_handoffs_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_handoffs_status"), _in("status", OLD_HANDOFF_STATUSES)
        )
        batch.drop_column("owner_left_at")
        batch.drop_column("owner_seen_at")
    _create_open_index()

    with op.batch_alter_table("agents") as batch:
        batch.drop_constraint(op.f("ck_agents_presence"), type_="check")
        batch.drop_column("presence_at")
        batch.drop_column("presence")

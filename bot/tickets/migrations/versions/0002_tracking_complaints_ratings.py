"""Courier tracking on status history; complaints and satisfaction ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:00:00

Hand-written to match bot/tickets/models.py. ``ticket_status_history`` is altered
in batch mode: on SQLite adding the columns is a plain ALTER TABLE, dropping them
(downgrade) copies the table, keeping its rows, CHECK, foreign key and index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision (see 0001).
RATING_CONTEXTS = ("ticket", "question", "handoff")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("ticket_status_history") as batch_op:
        batch_op.add_column(sa.Column("tracking_no", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("courier", sa.String(length=32), nullable=True))

    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index(op.f("ix_complaints_sender_id"), "complaints", ["sender_id"])

    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.Column("ticket_no", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_satisfaction_ratings_score")),
        sa.CheckConstraint(
            _in("context", RATING_CONTEXTS), name=op.f("ck_satisfaction_ratings_context")
        ),
    )
    op.create_index(
        op.f("ix_satisfaction_ratings_sender_id"), "satisfaction_ratings", ["sender_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_satisfaction_ratings_sender_id"), table_name="satisfaction_ratings")
    op.drop_table("satisfaction_ratings")
    op.drop_index(op.f("ix_complaints_sender_id"), table_name="complaints")
    op.drop_table("complaints")
    with op.batch_alter_table("ticket_status_history") as batch_op:
        batch_op.drop_column("courier")
        batch_op.drop_column("tracking_no")

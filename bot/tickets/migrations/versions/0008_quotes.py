"""Repair quotes: a ticket's quote (parts, labour, total in fen) and the owner's decision.

Revision ID: 0008_quotes
Revises: 0007
Create Date: 2026-12-03 18:00:00

Hand-written to match bot/tickets/models/quotes.py. At most one pending quote per ticket is
enforced by a partial unique index (SQLite 3.8+ and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_quotes"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision.
QUOTE_STATUSES = ("pending", "approved", "declined", "superseded")
DECIDED_QUOTE_STATUSES = ("approved", "declined")
QUOTE_DECISION_CHANNELS = ("chat", "console", "cli")
QUOTE_CURRENCIES = ("CNY",)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


DECISION_CONDITION = (
    f"({_in('status', DECIDED_QUOTE_STATUSES)} AND decided_at IS NOT NULL "
    f"AND decided_via IS NOT NULL) OR "
    f"(status NOT IN ('approved', 'declined') AND decided_at IS NULL AND decided_via IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "ticket_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("parts_fen", sa.Integer(), nullable=False),
        sa.Column("labour_fen", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_via", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_quotes")),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_quotes_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_in("status", QUOTE_STATUSES), name=op.f("ck_ticket_quotes_status")),
        sa.CheckConstraint(
            _in("currency", QUOTE_CURRENCIES), name=op.f("ck_ticket_quotes_currency")
        ),
        sa.CheckConstraint(
            _in("decided_via", QUOTE_DECISION_CHANNELS), name=op.f("ck_ticket_quotes_decided_via")
        ),
        sa.CheckConstraint(
            "parts_fen >= 0 AND labour_fen >= 0", name=op.f("ck_ticket_quotes_amounts")
        ),
        sa.CheckConstraint(
            "total_fen = parts_fen + labour_fen", name=op.f("ck_ticket_quotes_total")
        ),
        sa.CheckConstraint(DECISION_CONDITION, name=op.f("ck_ticket_quotes_decision")),
    )
    op.create_index(op.f("ix_ticket_quotes_ticket_id"), "ticket_quotes", ["ticket_id"])
    pending = sa.text(_in("status", ("pending",)))
    op.create_index(
        "uq_ticket_quotes_pending_ticket_id",
        "ticket_quotes",
        ["ticket_id"],
        unique=True,
        sqlite_where=pending,
        postgresql_where=pending,
    )

    op.create_table(
        "ticket_quote_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_quote_parts")),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["ticket_quotes.id"],
            name=op.f("fk_ticket_quote_parts_quote_id_ticket_quotes"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_ticket_quote_parts_amount")),
    )
    op.create_index(op.f("ix_ticket_quote_parts_quote_id"), "ticket_quote_parts", ["quote_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_quote_parts_quote_id"), table_name="ticket_quote_parts")
    op.drop_table("ticket_quote_parts")
    op.drop_index("uq_ticket_quotes_pending_ticket_id", table_name="ticket_quotes")
    op.drop_index(op.f("ix_ticket_quotes_ticket_id"), table_name="ticket_quotes")
    op.drop_table("ticket_quotes")

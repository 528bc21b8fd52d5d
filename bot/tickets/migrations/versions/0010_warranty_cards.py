"""Electronic warranty cards (brand activation records by IMEI); the 三包 remedy of a ticket.

Revision ID: 0010_warranty_cards
Revises: 0009_pickups
Create Date: 2026-12-03 18:00:00

Hand-written to match bot/tickets/models/warranty_cards.py and the ``remedy`` field of
bot/tickets/draft.py. ``tickets`` is altered in batch mode: on SQLite adding a column
with a CHECK copies the table, keeping its rows, constraints and indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_warranty_cards"
down_revision: str | None = "0009_pickups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the allowed values at this revision.
REMEDIES = ("return", "exchange", "repair")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "warranty_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imei", sa.String(length=64), nullable=False),
        sa.Column("device_model_id", sa.String(length=64), nullable=False),
        sa.Column("activated_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warranty_cards")),
        sa.UniqueConstraint("imei", name=op.f("uq_warranty_cards_imei")),
    )
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("remedy", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(op.f("ck_tickets_remedy"), _in("remedy", REMEDIES))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint(op.f("ck_tickets_remedy"), type_="check")
        batch_op.drop_column("remedy")
    op.drop_table("warranty_cards")

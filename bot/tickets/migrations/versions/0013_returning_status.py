"""Ticket status ``returning``: the owner declined the quote, the phone goes back unrepaired.

Revision ID: 0013_returning_status
Revises: 0012_diagnosis_outcome
Create Date: 2026-12-03 18:45:00

Hand-written to match bot/tickets/models/tickets.py (TICKET_STATUSES). The CHECK
constraints on ``status`` of ``tickets`` and ``ticket_status_history`` are replaced in
batch mode: on SQLite the tables are copied (keeping rows, other CHECKs, foreign keys and
indexes), on PostgreSQL the constraints are dropped and added again.

Downgrade maps ``returning`` to ``ready`` (the closest earlier status: the phone waits to
go back to its owner) and keeps the fact in the history note, so no row is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_returning_status"
down_revision: str | None = "0012_diagnosis_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values before and after this revision (see 0001).
OLD_TICKET_STATUSES = (
    "submitted",
    "received",
    "diagnosing",
    "repairing",
    "ready",
    "shipped_back",
    "completed",
    "cancelled",
)
NEW_TICKET_STATUSES = (
    "submitted",
    "received",
    "diagnosing",
    "repairing",
    "returning",
    "ready",
    "shipped_back",
    "completed",
    "cancelled",
)
RETURNING = "returning"
#: What ``returning`` becomes on downgrade.
DOWNGRADED_TO = "ready"
#: Marks history rows whose status was ``returning`` before a downgrade.
DOWNGRADE_NOTE = "[returning: quote declined, phone returned unrepaired]"

#: Table -> its CHECK on ``status`` (full names, as the models' naming convention gives them).
STATUS_CHECKS = {
    "tickets": "ck_tickets_status",
    "ticket_status_history": "ck_ticket_status_history_status",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _replace_status_checks(values: tuple[str, ...]) -> None:
    for table, check in STATUS_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(check), type_="check")
            batch_op.create_check_constraint(op.f(check), _in("status", values))


def upgrade() -> None:
    _replace_status_checks(NEW_TICKET_STATUSES)


def downgrade() -> None:
    history = sa.table(
        "ticket_status_history", sa.column("status", sa.String), sa.column("note", sa.Text)
    )
    tickets = sa.table("tickets", sa.column("status", sa.String))
    op.execute(
        history.update()
        .where(history.c.status == RETURNING)
        .values(
            status=DOWNGRADED_TO,
            note=sa.case(
                (history.c.note.is_(None), sa.literal(DOWNGRADE_NOTE)),
                else_=history.c.note + sa.literal(" " + DOWNGRADE_NOTE),
            ),
        )
    )
    op.execute(tickets.update().where(tickets.c.status == RETURNING).values(status=DOWNGRADED_TO))
    _replace_status_checks(OLD_TICKET_STATUSES)

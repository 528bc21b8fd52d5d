"""Alembic migrations: upgrade head on empty databases matches the models exactly, and
0001 -> 0002 -> 0001 keeps existing tickets and history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    String,
    Text,
    column,
    func,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.exc import IntegrityError

from bot.tickets import (
    get_ticket,
    migrate,
    rating_summary,
    record_complaint,
    record_rating,
    set_status,
    status_history,
)
from bot.tickets.db import build_engine, session_scope
from bot.tickets.models import UTCDateTime, metadata
from tests.tickets.helpers import HEAD, new_ticket

Fields = Callable[..., dict[str, Any]]
TABLES_0001 = {"tickets", "ticket_status_history", "extended_warranties"}
TABLES_0004 = {"agents", "agent_sessions", "handoffs", "callback_requests"}
TABLES_0005 = {"ticket_verifications"}
TABLES_0006 = {"sign_in_throttle"}
TABLES_0007 = {"analytics_conversations", "analytics_event_keys"}
TABLES = (
    TABLES_0001
    | {"complaints", "satisfaction_ratings", "attachments"}
    | TABLES_0004
    | TABLES_0005
    | TABLES_0006
    | TABLES_0007
    | {"ticket_quotes", "ticket_quote_parts"}  # 0008_quotes
    | {"pickups"}  # 0009_pickups
    | {"warranty_cards"}  # 0010_warranty_cards
    | {"notice_outbox", "notice_opt_outs"}  # 0011_outbox
    | {"internal_notes"}  # 0015_agent_tools
    | {"analytics_missed_messages"}  # 0017_missed_messages
)
UTC = dt.timezone.utc


def _diff(url: str) -> list[Any]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_matches_models(empty_db_url: str) -> None:
    assert migrate.current_revision(empty_db_url) is None
    assert _diff(empty_db_url), "an empty database must differ from the models"
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == migrate.head_revision() == HEAD
    assert _diff(empty_db_url) == []
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_diff_detects_schema_drift(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = build_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_tickets_contact_phone"))
    engine.dispose()
    diffs = _diff(empty_db_url)
    assert [d[0] for d in diffs] == ["add_index"]


def test_upgrade_is_repeatable_and_downgrade_removes_tables(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == HEAD
    migrate.downgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) is None
    assert _tables(empty_db_url) == {"alembic_version"}


def test_migrated_database_works_with_repository(empty_db_url: str, ticket_fields: Fields) -> None:
    migrate.upgrade(empty_db_url)
    now = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.timezone.utc)
    with session_scope(empty_db_url) as session:
        ticket, created = new_ticket(session, **ticket_fields(now=now))
    with session_scope(empty_db_url) as session:
        history = status_history(session, ticket_no=ticket.ticket_no)
    assert created
    assert ticket.ticket_no == "R20261122-0001"
    assert [h.status for h in history] == ["submitted"]
    assert history[0].changed_at == now


def test_upgrade_default_url_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # VAR_DIR points at tmp_path / "var" (autouse fixture); DATABASE_URL is unset.
    migrate.upgrade()
    assert (tmp_path / "var" / "tickets.db").is_file()
    assert migrate.current_revision() == HEAD


def test_alembic_ini_holds_no_url() -> None:
    text_ini = migrate.ALEMBIC_INI.read_text()
    assert "sqlalchemy.url" not in text_ini
    assert "script_location = %(here)s/migrations" in text_ini


def test_upgrade_unreachable_raises_unavailable() -> None:
    from bot.tickets.db import TicketStoreUnavailable

    with pytest.raises(TicketStoreUnavailable):
        migrate.upgrade("postgresql://postgres@127.0.0.1:1/x")


def test_alembic_command_line_with_x_url(tmp_path: Any) -> None:
    import subprocess
    import sys

    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(migrate.ALEMBIC_INI),
            "-x",
            f"url={db_url}",
            "upgrade",
            "head",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert migrate.current_revision(db_url) == HEAD
    assert _diff(db_url) == []


# --------------------------------------------------------------------------- 0001 -> 0002

# Lightweight views of the 0001 tables: only the columns that existed then.
_tickets_0001 = table(
    "tickets",
    column("id", Integer),
    column("ticket_no", String),
    column("intake_id", String),
    column("sender_id", String),
    column("channel", String),
    column("device_model_id", String),
    column("serial_number", String),
    column("warranty_status", String),
    column("fault_category", String),
    column("fault_description", Text),
    column("service_type", String),
    column("contact_phone", String),
    column("status", String),
    column("created_at", UTCDateTime),
    column("updated_at", UTCDateTime),
)
_history_0001 = table(
    "ticket_status_history",
    column("id", Integer),
    column("ticket_id", Integer),
    column("status", String),
    column("note", Text),
    column("changed_by", String),
    column("changed_at", UTCDateTime),
)
T_CREATED = dt.datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
T_RECEIVED = dt.datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
T_SHIPPED = dt.datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def _seed_0001(url: str) -> None:
    """Write one mail-in ticket with two history rows, as code at revision 0001 would."""
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                _tickets_0001.insert().values(
                    id=1,
                    ticket_no="R20261120-0001",
                    intake_id="intake-old",
                    sender_id="alice",
                    channel="rest",
                    device_model_id="oneplus-12",
                    serial_number="861234567890123",
                    warranty_status="in_warranty",
                    fault_category="screen",
                    fault_description="屏幕碎了",
                    service_type="mail_in",
                    contact_phone="13800138000",
                    status="received",
                    created_at=T_CREATED,
                    updated_at=T_RECEIVED,
                )
            )
            connection.execute(
                _history_0001.insert(),
                [
                    {
                        "ticket_id": 1,
                        "status": "submitted",
                        "note": None,
                        "changed_by": "assistant",
                        "changed_at": T_CREATED,
                    },
                    {
                        "ticket_id": 1,
                        "status": "received",
                        "note": "已签收",
                        "changed_by": "staff-1",
                        "changed_at": T_RECEIVED,
                    },
                ],
            )
    finally:
        engine.dispose()


def _history_rows(url: str) -> list[tuple[Any, ...]]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    _history_0001.c.ticket_id,
                    _history_0001.c.status,
                    _history_0001.c.note,
                    _history_0001.c.changed_by,
                    _history_0001.c.changed_at,
                ).order_by(_history_0001.c.id)
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _history_schema(url: str) -> dict[str, Any]:
    engine = build_engine(url)
    try:
        inspector = inspect(engine)
        name = "ticket_status_history"
        return {
            "columns": [c["name"] for c in inspector.get_columns(name)],
            "checks": sorted(c["name"] for c in inspector.get_check_constraints(name)),
            "fks": [
                (fk["name"], fk["referred_table"], (fk.get("options") or {}).get("ondelete"))
                for fk in inspector.get_foreign_keys(name)
            ],
            "indexes": sorted(i["name"] for i in inspector.get_indexes(name)),
        }
    finally:
        engine.dispose()


def _history_constraints_hold(url: str) -> None:
    """The history CHECK and the ON DELETE CASCADE foreign key still work."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            with pytest.raises(IntegrityError), connection.begin():
                connection.execute(
                    _history_0001.insert().values(
                        ticket_id=1, status="teleported", changed_by="x", changed_at=T_SHIPPED
                    )
                )
            with pytest.raises(IntegrityError), connection.begin():
                connection.execute(
                    _history_0001.insert().values(
                        ticket_id=999, status="received", changed_by="x", changed_at=T_SHIPPED
                    )
                )
            # Deleting the ticket cascades to its history (rolled back afterwards).
            transaction = connection.begin()
            connection.execute(_tickets_0001.delete().where(_tickets_0001.c.id == 1))
            left = connection.execute(select(func.count()).select_from(_history_0001))
            assert left.scalar_one() == 0
            transaction.rollback()
    finally:
        engine.dispose()


SCHEMA_0001_HISTORY: dict[str, Any] = {
    "columns": ["id", "ticket_id", "status", "note", "changed_by", "changed_at"],
    "checks": ["ck_ticket_status_history_status"],
    "fks": [("fk_ticket_status_history_ticket_id_tickets", "tickets", "CASCADE")],
    "indexes": ["ix_ticket_status_history_ticket_id"],
}


def test_upgrade_from_0001_keeps_rows_and_downgrade_restores_0001(
    empty_db_url: str,
) -> None:
    migrate.upgrade(empty_db_url, "0001")
    assert _history_schema(empty_db_url) == SCHEMA_0001_HISTORY
    _seed_0001(empty_db_url)
    rows_0001 = _history_rows(empty_db_url)
    assert len(rows_0001) == 2

    # Upgrade: rows kept, new columns empty, new tables present, models matched.
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == HEAD
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}
    assert _diff(empty_db_url) == []
    assert _history_rows(empty_db_url) == rows_0001
    assert _history_schema(empty_db_url) == SCHEMA_0001_HISTORY | {
        "columns": [*SCHEMA_0001_HISTORY["columns"], "tracking_no", "courier"]
    }
    _history_constraints_hold(empty_db_url)
    with session_scope(empty_db_url) as session:
        ticket = get_ticket(session, ticket_no="R20261120-0001")
        assert ticket is not None
        assert (ticket.status, ticket.updated_at, ticket.service_type) == (
            "received",
            T_RECEIVED,
            "mail_in",
        )
        old = status_history(session, ticket_no="R20261120-0001")
        assert [(h.status, h.note, h.tracking_no, h.courier) for h in old] == [
            ("submitted", None, None, None),
            ("received", "已签收", None, None),
        ]
        with pytest.raises(ValueError, match="tracking number is required"):
            set_status(
                session, ticket_no="R20261120-0001", status="shipped_back", changed_by="staff-2"
            )
        set_status(
            session,
            ticket_no="R20261120-0001",
            status="shipped_back",
            changed_by="staff-2",
            now=T_SHIPPED,
            tracking_no="SF1234567890",
            courier="SF",
        )
        record_complaint(session, sender_id="alice", channel="rest", text="太慢了")
        record_rating(session, sender_id="alice", channel="rest", score=2, context="ticket")
    with session_scope(empty_db_url) as session:
        last = status_history(session, ticket_no="R20261120-0001")[-1]
        assert (last.status, last.tracking_no, last.courier) == (
            "shipped_back",
            "SF1234567890",
            "SF",
        )
        assert rating_summary(session).count == 1

    # Downgrade: back to the 0001 schema with every ticket and history row (minus tracking).
    migrate.downgrade(empty_db_url, "0001")
    assert migrate.current_revision(empty_db_url) == "0001"
    assert _tables(empty_db_url) == TABLES_0001 | {"alembic_version"}
    assert _history_schema(empty_db_url) == SCHEMA_0001_HISTORY
    assert _history_rows(empty_db_url) == [
        *rows_0001,
        (1, "shipped_back", None, "staff-2", T_SHIPPED),
    ]
    _history_constraints_hold(empty_db_url)

    # And up again: the schema is the head schema.
    migrate.upgrade(empty_db_url)
    assert _diff(empty_db_url) == []
    assert len(_history_rows(empty_db_url)) == 3


def test_migrated_feedback_tables_have_their_checks(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = build_engine(empty_db_url)
    try:
        inspector = inspect(engine)
        checks = {c["name"] for c in inspector.get_check_constraints("satisfaction_ratings")}
        assert checks == {"ck_satisfaction_ratings_score", "ck_satisfaction_ratings_context"}
        assert [i["name"] for i in inspector.get_indexes("complaints")] == [
            "ix_complaints_sender_id"
        ]
        ratings = table(
            "satisfaction_ratings",
            column("sender_id", String),
            column("channel", String),
            column("score", Integer),
            column("context", String),
            column("created_at", UTCDateTime),
        )
        values = {"sender_id": "s", "channel": "rest", "created_at": T_SHIPPED}
        with engine.connect() as connection:
            for bad in ({"score": 0, "context": "ticket"}, {"score": 6, "context": "ticket"}):
                with pytest.raises(IntegrityError), connection.begin():
                    connection.execute(ratings.insert().values(**values, **bad))
            with pytest.raises(IntegrityError), connection.begin():
                connection.execute(ratings.insert().values(**values, score=3, context="weather"))
            with connection.begin():
                connection.execute(ratings.insert().values(**values, score=5, context="handoff"))
    finally:
        engine.dispose()


def test_migrated_handoff_tables_enforce_their_rules(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = build_engine(empty_db_url)
    try:
        inspector = inspect(engine)
        assert {c["name"] for c in inspector.get_check_constraints("handoffs")} == {
            "ck_handoffs_status"
        }
        assert {i["name"]: i["unique"] for i in inspector.get_indexes("handoffs")} == {
            "ix_handoffs_sender_id": False,
            "ix_handoffs_agent_id": False,
            "uq_handoffs_open_sender_id": True,
        }
        agents = table(
            "agents",
            column("id", Integer),
            column("username", String),
            column("display_name", String),
            column("password_hash", String),
            column("active", Boolean),
            column("created_at", UTCDateTime),
        )
        handoffs = table(
            "handoffs",
            column("sender_id", String),
            column("channel", String),
            column("reason", String),
            column("summary", JSON),
            column("status", String),
            column("created_at", UTCDateTime),
            column("updated_at", UTCDateTime),
        )
        callbacks = table(
            "callback_requests",
            column("sender_id", String),
            column("channel", String),
            column("phone", String),
            column("reason", String),
            column("status", String),
            column("created_at", UTCDateTime),
        )

        def handoff(status: str) -> dict[str, Any]:
            return {
                "sender_id": "alice",
                "channel": "rest",
                "reason": "fallback",
                "summary": {"slots": {}},
                "status": status,
                "created_at": T_SHIPPED,
                "updated_at": T_SHIPPED,
            }

        with engine.connect() as connection:
            with connection.begin():
                connection.execute(
                    agents.insert().values(
                        username="a", display_name="A", password_hash="h", created_at=T_SHIPPED
                    )
                )
                connection.execute(handoffs.insert(), [handoff("closed"), handoff("closed")])
                connection.execute(handoffs.insert().values(**handoff("queued")))
                connection.execute(
                    callbacks.insert().values(
                        sender_id="alice",
                        channel="rest",
                        phone="13800138000",
                        reason="r",
                        created_at=T_SHIPPED,
                    )
                )
            for bad in (
                handoff("active"),
                handoff("queued"),
                {**handoff("lost"), "sender_id": "b"},
            ):
                with pytest.raises(IntegrityError), connection.begin():
                    connection.execute(handoffs.insert().values(**bad))
            assert connection.execute(select(agents.c.active)).scalar_one() is True
            assert connection.execute(select(callbacks.c.status)).scalar_one() == "open"
    finally:
        engine.dispose()


def test_diff_detects_a_missing_open_handoff_index(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    engine = build_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_handoffs_open_sender_id"))
    engine.dispose()
    assert [d[0] for d in _diff(empty_db_url)] == ["add_index"]

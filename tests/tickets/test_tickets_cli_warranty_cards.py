"""``import-warranty-cards`` (all cards or none, per-line errors), ``show``, migration 0010."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.settings import get_settings
from bot.tickets import TicketDraft, create_ticket, migrate
from bot.tickets.cli import main
from bot.tickets.db import build_engine, session_scope
from bot.tickets.models import WarrantyCard

A, B = "864752041234569", "352099001761481"
HEADER = "imei,device_model,activated_on\n"


@pytest.fixture
def url(tmp_path: Path) -> str:
    db_url = f"sqlite:///{tmp_path / 'cards' / 'tickets.db'}"
    migrate.upgrade(db_url)
    return db_url


def _cards(url: str) -> dict[str, tuple[str, dt.date, str]]:
    with session_scope(url) as session:
        rows = session.execute(select(WarrantyCard)).scalars().all()
        return {r.imei: (r.device_model_id, r.activated_on, r.source) for r in rows}


def _write(tmp_path: Path, text: str, name: str = "cards.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_then_reimport(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    yesterday = get_settings().today() - dt.timedelta(days=1)
    path = _write(tmp_path, f"{HEADER}{A},oneplus-12,{yesterday}\n{B},oneplus-13,2025-05-01\n")
    assert main(["--url", url, "import-warranty-cards", path]) == 0
    assert "2 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert _cards(url) == {
        A: ("oneplus-12", yesterday, "cards.csv"),
        B: ("oneplus-13", dt.date(2025, 5, 1), "cards.csv"),
    }
    assert main(["--url", url, "import-warranty-cards", path, "--source", "brand-crm"]) == 0
    assert "0 added, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert _cards(url)[A][2] == "cards.csv"  # unchanged cards keep their record


def test_a_bad_line_imports_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tomorrow = get_settings().today() + dt.timedelta(days=1)
    text = (
        f"{HEADER}{A},oneplus-12,2026-01-05\n{B},oneplus-99,2026-01-05\n{B},oneplus-12,{tomorrow}\n"
    )
    assert main(["--url", url, "import-warranty-cards", _write(tmp_path, text)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "cards.csv: line 3: unknown device model 'oneplus-99' (use an id of devices.yml)",
        f"cards.csv: line 4: activation date {tomorrow} is in the future",
        "error: 2 bad line(s) in cards.csv; nothing imported",
    ]
    assert _cards(url) == {}


def test_an_unreadable_file(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cards.csv"
    path.write_bytes(HEADER.encode() + "864752041234569,一加,2026-01-05\n".encode("gb18030"))
    assert main(["--url", url, "import-warranty-cards", str(path)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["--url", url, "import-warranty-cards", str(tmp_path / "missing.csv")]) == 2
    assert _cards(url) == {}


def test_show_prints_the_remedy(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    draft = TicketDraft(
        intake_id="i-remedy",
        sender_id="s-1",
        channel="rest",
        device_model_id="oneplus-12",
        serial_number=A,
        purchase_date=dt.date(2026, 11, 30),
        warranty_status="in_warranty",
        fault_description="屏幕有绿线",
        fault_category="screen",
        service_type="mail_in",
        city=None,
        contact_phone="13912345678",
        remedy="exchange",
    )
    with session_scope(url) as session:
        ticket, _ = create_ticket(session, draft)
    assert main(["--url", url, "show", ticket.ticket_no]) == 0
    assert "remedy:            exchange" in capsys.readouterr().out


def test_migration_0010_keeps_tickets_and_checks_the_remedy(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(db_url, "0009_pickups")
    engine = build_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tickets (ticket_no, intake_id, sender_id, channel, device_model_id,"
                " warranty_status, fault_category, fault_description, service_type,"
                " contact_phone, status, created_at, updated_at) VALUES ('R20261201-0001', 'i1',"
                " 's1', 'rest', 'oneplus-12', 'to_verify', 'screen', '绿线', 'mail_in',"
                " '13912345678', 'submitted', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            )
        )
    migrate.upgrade(db_url, "0010_warranty_cards")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT remedy FROM tickets")).scalar_one() is None
        connection.execute(text("UPDATE tickets SET remedy = 'return'"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("UPDATE tickets SET remedy = 'refund'"))
    migrate.downgrade(db_url, "0009_pickups")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT ticket_no FROM tickets")).scalars().all() == [
            "R20261201-0001"
        ]
        assert "warranty_cards" not in inspect(connection).get_table_names()
    engine.dispose()

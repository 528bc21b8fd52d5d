"""Electronic warranty cards (bot.tickets.warranty_cards): the CSV reader and the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.intake.serial import luhn_valid
from bot.tickets.models import WarrantyCard
from bot.tickets.warranty_cards import (
    CardRow,
    ImportCounts,
    get_warranty_card,
    import_cards,
    read_card_rows,
)

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.timezone.utc)
MODELS = {"oneplus-12", "oneplus-13"}
A, B = "864752041234569", "352099001761481"


def _read(text: str) -> tuple[list[CardRow], list[str]]:
    return read_card_rows(
        text, is_imei=lambda v: len(v) == 15 and luhn_valid(v), known_models=MODELS, today=TODAY
    )


def test_a_good_file_is_read_line_by_line() -> None:
    text = (
        "\ufeffIMEI,device_model,activated_on\n"
        f"{A},oneplus-12,2026-11-28\n"
        "\n"
        f" 3520 9900 1761 481 ,oneplus-13, 2025-05-01\n"
    )
    rows, errors = _read(text)
    assert errors == []
    assert rows == [
        CardRow(2, A, "oneplus-12", dt.date(2026, 11, 28)),
        CardRow(4, B, "oneplus-13", dt.date(2025, 5, 1)),
    ]


def test_every_bad_line_is_reported_with_its_number() -> None:
    text = (
        "imei,device_model,activated_on\n"
        f"{A},oneplus-12,2026-11-28\n"
        "864752041234568,oneplus-12,2026-11-28\n"  # wrong check digit
        f"{B},iphone-15,2026-11-28\n"
        f"{B},oneplus-12,2026/11/28\n"
        f"{B},oneplus-12,2026-12-04\n"
        f"{B},oneplus-12\n"
        f"{A},oneplus-13,2026-11-28\n"  # A again with another model
    )
    rows, errors = _read(text)
    assert errors == [
        "line 3: IMEI '864752041234568' is not 15 digits with a correct check digit",
        "line 4: unknown device model 'iphone-15' (use an id of devices.yml)",
        "line 5: activation date '2026/11/28' is not YYYY-MM-DD",
        "line 6: activation date 2026-12-04 is in the future",
        "line 7: expected 3 values, found 2",
        f"line 8: IMEI {A} is also on line 2 with other data",
    ]
    assert [r.line for r in rows] == [2]


def test_a_card_twice_with_the_same_data_counts_once() -> None:
    rows, errors = _read(
        f"imei,device_model,activated_on\n{A},oneplus-12,2026-11-28\n{A},oneplus-12,2026-11-28\n"
    )
    assert errors == [] and [r.line for r in rows] == [2]


def test_a_wrong_header_or_an_empty_file() -> None:
    assert _read("imei;device_model;activated_on\n")[1] == [
        "line 1: the header must be imei,device_model,activated_on"
    ]
    assert _read("")[1] == ["line 1: the header must be imei,device_model,activated_on"]
    assert _read("imei,device_model,activated_on\n")[1] == ["the file has no cards"]


def _count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(WarrantyCard)).scalar_one())


def test_import_is_idempotent_and_the_export_wins(session: Session) -> None:
    rows = [CardRow(2, A, "oneplus-12", dt.date(2026, 11, 28))]
    assert import_cards(session, rows, source="cards.csv", now=NOW) == ImportCounts(1, 0, 0)
    assert import_cards(session, rows, source="cards.csv", now=NOW) == ImportCounts(0, 0, 1)
    assert _count(session) == 1
    changed = [
        CardRow(2, A, "oneplus-12", dt.date(2026, 11, 20)),
        CardRow(3, B, "oneplus-13", TODAY),
    ]
    later = NOW + dt.timedelta(days=1)
    assert import_cards(session, changed, source="cards-2.csv", now=later) == ImportCounts(1, 1, 0)
    card = get_warranty_card(session, imei=f" {A[:7]} {A[7:]} ")
    assert card is not None
    assert (card.activated_on, card.source, card.imported_at) == (
        dt.date(2026, 11, 20),
        "cards-2.csv",
        later,
    )
    assert _count(session) == 2


def test_no_card(session: Session) -> None:
    assert get_warranty_card(session, imei=A) is None
    assert get_warranty_card(session, imei=None) is None
    assert get_warranty_card(session, imei="  ") is None

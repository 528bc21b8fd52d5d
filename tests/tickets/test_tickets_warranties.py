"""Extended warranty plans (bot.tickets.warranties), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from bot.tickets import add_extended_warranty, extended_warranty_until, list_extended_warranties


def test_extended_warranty_boundaries(session: Session) -> None:
    imei = "861234567890123"
    add_extended_warranty(
        session,
        serial_number=imei,
        plan="碎屏险",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        source="crm",
    )
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2025, 12, 31)) is None
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2026, 1, 1)) == dt.date(
        2026, 12, 31
    )
    assert extended_warranty_until(
        session, serial_number=imei, on=dt.date(2026, 12, 31)
    ) == dt.date(2026, 12, 31)
    # Expired: the last end date is still reported, the caller compares.
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2027, 1, 1)) == dt.date(
        2026, 12, 31
    )
    # A renewal starting later only counts from its start date.
    add_extended_warranty(
        session,
        serial_number=imei,
        plan="延保2年",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2028, 12, 31),
        source="crm",
    )
    assert extended_warranty_until(
        session, serial_number=imei, on=dt.date(2026, 12, 31)
    ) == dt.date(2026, 12, 31)
    assert extended_warranty_until(session, serial_number=imei, on=dt.date(2027, 1, 1)) == dt.date(
        2028, 12, 31
    )
    assert extended_warranty_until(session, serial_number="999", on=dt.date(2027, 1, 1)) is None
    records = list_extended_warranties(session, serial_number=imei)
    assert [r.plan for r in records] == ["碎屏险", "延保2年"]


def test_extended_warranty_validation(session: Session) -> None:
    with pytest.raises(ValueError, match="before"):
        add_extended_warranty(
            session,
            serial_number="861234567890123",
            plan="p",
            starts_on=dt.date(2026, 2, 1),
            ends_on=dt.date(2026, 1, 31),
            source="cli",
        )
    with pytest.raises(ValueError, match="serial_number"):
        add_extended_warranty(
            session,
            serial_number=" ",
            plan="p",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 1, 31),
            source="cli",
        )
    one_day = add_extended_warranty(
        session,
        serial_number="sn 12ab",
        plan="p",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 1),
        source="cli",
    )
    assert one_day.serial_number == "SN12AB"
    assert extended_warranty_until(
        session, serial_number="SN12AB", on=dt.date(2026, 1, 1)
    ) == dt.date(2026, 1, 1)

"""Extended warranty plans bought for devices (by IMEI or serial number).

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.tickets.checks import aware, normalize_serial, record_of, required
from bot.tickets.models import ExtendedWarranty


@dataclass(frozen=True)
class ExtendedWarrantyRecord:
    """An extended warranty plan of one device (dates inclusive)."""

    id: int
    serial_number: str
    plan: str
    starts_on: dt.date
    ends_on: dt.date
    source: str
    created_at: dt.datetime


def add_extended_warranty(
    session: Session,
    *,
    serial_number: str,
    plan: str,
    starts_on: dt.date,
    ends_on: dt.date,
    source: str,
    now: dt.datetime | None = None,
) -> ExtendedWarrantyRecord:
    """Record an extended warranty plan of a device.

    Args:
        session: Session with a transaction owned by the caller.
        serial_number: IMEI (or SN) of the device.
        plan: Plan name.
        starts_on: First covered day.
        ends_on: Last covered day (inclusive).
        source: Where the record comes from (cli, import, crm, ...).
        now: Creation time (aware); default the current time.

    Returns:
        The stored record.

    Raises:
        ValueError: Empty serial/plan/source or ``ends_on`` before ``starts_on``.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        raise ValueError("serial_number must be a non-empty string")
    if ends_on < starts_on:
        raise ValueError(f"ends_on {ends_on} is before starts_on {starts_on}")
    row = ExtendedWarranty(
        serial_number=serial,
        plan=required("plan", plan),
        starts_on=starts_on,
        ends_on=ends_on,
        source=required("source", source),
        created_at=aware(now),
    )
    session.add(row)
    session.flush()
    return record_of(ExtendedWarrantyRecord, row)


def extended_warranty_until(session: Session, *, serial_number: str, on: dt.date) -> dt.date | None:
    """Return the latest end date of the device's plans that started on or before ``on``.

    The result may lie before ``on`` (the extension has expired); callers compare
    it with ``on`` to decide whether the device is covered.

    Args:
        session: Open session.
        serial_number: IMEI (or SN) of the device.
        on: The day of interest (usually today in the business time zone).

    Returns:
        The latest ``ends_on``, or None when the device has no plan started by ``on``.
    """
    serial = normalize_serial(serial_number)
    if serial is None:
        return None
    value = session.execute(
        select(func.max(ExtendedWarranty.ends_on)).where(
            ExtendedWarranty.serial_number == serial, ExtendedWarranty.starts_on <= on
        )
    ).scalar_one()
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns max() of a date column as text
        return dt.date.fromisoformat(value)
    return value if isinstance(value, dt.date) else None


def list_extended_warranties(
    session: Session, *, serial_number: str
) -> list[ExtendedWarrantyRecord]:
    """Return every extended warranty record of a device, by start date.

    Args:
        session: Open session.
        serial_number: IMEI (or SN) of the device.

    Returns:
        The records; empty when none.
    """
    serial = normalize_serial(serial_number)
    rows = (
        session.execute(
            select(ExtendedWarranty)
            .where(ExtendedWarranty.serial_number == serial)
            .order_by(ExtendedWarranty.starts_on, ExtendedWarranty.id)
        )
        .scalars()
        .all()
    )
    return [record_of(ExtendedWarrantyRecord, row) for row in rows]

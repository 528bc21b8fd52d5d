"""Checks and row mapping shared by the ticket store's modules.

Every store function validates its arguments with these helpers (raising
:class:`ValueError` with an English message for integrators and logs) and returns
frozen dataclasses built by :func:`record_of` rather than ORM objects, so results stay
usable once the session is closed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets.models import Ticket

logger = logging.getLogger(__name__)

#: Column width of ticket numbers (``tickets.ticket_no`` and references to it).
TICKET_NO_MAX = 32

RecordT = TypeVar("RecordT")


class TicketNotFound(LookupError):
    """No ticket has the given ticket number."""

    def __init__(self, ticket_no: str) -> None:
        super().__init__(f"no ticket {ticket_no}")
        self.ticket_no = ticket_no


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def aware(now: dt.datetime | None) -> dt.datetime:
    """``now`` in UTC, or the current time when None.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(dt.timezone.utc)


def aware_or_none(since: dt.datetime | None) -> dt.datetime | None:
    """An optional lower time bound in UTC (None stays None).

    Raises:
        ValueError: ``since`` is naive.
    """
    return None if since is None else aware(since)


def required(name: str, value: str) -> str:
    """``value`` stripped.

    Raises:
        ValueError: Not a string, or blank.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError(f"{name} must be a non-empty string")
    return text


def optional(value: str | None) -> str | None:
    """``value`` stripped; None when None or blank."""
    if value is None:
        return None
    text = value.strip()
    return text or None


def limited(name: str, value: str | None, max_length: int) -> str | None:
    """``value`` unchanged.

    Raises:
        ValueError: It is longer than ``max_length`` characters.
    """
    if value is not None and len(value) > max_length:
        raise ValueError(f"{name} is longer than {max_length} characters")
    return value


def bounded(name: str, value: str, max_length: int) -> str:
    """A required text (see :func:`required`) no longer than ``max_length``."""
    text = limited(name, required(name, value), max_length)
    assert text is not None  # required never returns an empty value
    return text


def optional_bounded(name: str, value: str | None, max_length: int) -> str | None:
    """An optional text (see :func:`optional`) no longer than ``max_length``."""
    return limited(name, optional(value), max_length)


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` unchanged.

    Raises:
        ValueError: It is not one of ``allowed``.
    """
    if value not in allowed:
        raise ValueError(f"invalid {name} {value!r}; expected one of {', '.join(allowed)}")
    return value


def normalize_ticket_no(ticket_no: str) -> str:
    """A ticket number as stored: upper case, without spaces (``r2026 1122-0001``)."""
    return "".join(ticket_no.split()).upper()


def ticket_ref(ticket_no: str | None) -> str | None:
    """Normalise an optional ticket number given by a conversation (not checked to exist).

    Text too long to be a ticket number is dropped (with a warning) rather than
    refused, so the complaint or rating it came with is still stored.
    """
    if ticket_no is None:
        return None
    number = normalize_ticket_no(ticket_no)
    if len(number) > TICKET_NO_MAX:
        logger.warning("ignoring ticket number reference %r: too long", number[:80])
        return None
    return number or None


def normalize_serial(serial_number: str | None) -> str | None:
    """Normalise an IMEI or serial number for storage and lookups.

    Args:
        serial_number: As typed or recognised; may contain spaces or lower case.

    Returns:
        The upper-case serial without whitespace, or None when empty.
    """
    if serial_number is None:
        return None
    text = "".join(serial_number.split()).upper()
    return text or None


def ticket_by_no(session: Session, ticket_no: str) -> Any:
    """The ``Ticket`` row with this number (normalised first).

    Raises:
        TicketNotFound: No such ticket.
    """
    number = normalize_ticket_no(ticket_no)
    ticket = session.execute(select(Ticket).where(Ticket.ticket_no == number)).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(number)
    return ticket


def ticket_rows(session: Session, model: Any, ticket_id: int, time_column: Any) -> list[Any]:
    """The rows of ``model`` that belong to one ticket, oldest first (ties by id).

    Args:
        session: Open session.
        model: A mapped class with ``ticket_id`` and ``id`` columns.
        ticket_id: The ticket's primary key.
        time_column: The column ordering the rows (e.g. ``changed_at``).
    """
    statement = select(model).where(model.ticket_id == ticket_id).order_by(time_column, model.id)
    return list(session.execute(statement).scalars().all())


def record_of(record_type: type[RecordT], row: Any, **values: Any) -> RecordT:
    """A record dataclass filled from the row's attributes of the same names.

    Datetimes come back from :class:`~bot.tickets.models.UTCDateTime` columns aware, in
    UTC, and are kept as they are.

    Args:
        record_type: A dataclass.
        row: An ORM object (or any object with the record's fields as attributes).
        **values: Fields the row does not have, or has under another form.

    Returns:
        The record.
    """
    names = (field.name for field in dataclasses.fields(record_type))  # type: ignore[arg-type]
    row_values = {name: getattr(row, name) for name in names if name not in values}
    return record_type(**row_values, **values)

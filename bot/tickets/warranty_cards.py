"""Electronic warranty cards: reading the brand's CSV export, storing and looking cards up.

The CSV has a header line and one card per line::

    imei,device_model,activated_on
    864752041234569,oneplus-12,2026-11-28

``device_model`` is a catalogue id (``devices.yml``), ``activated_on`` an ISO date. A file
is imported whole or not at all: :func:`read_card_rows` reports every bad line with its line
number, and the CLI imports only a file without errors. Importing the same file twice changes
nothing; a card whose IMEI is already stored is replaced by the file's (the brand's export is
the reference). What an IMEI and a model are is the caller's (the CLI's) checks, passed in, so
this module depends on the ticket store only.

The caller owns the transaction, as everywhere in the ticket store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets.checks import aware, normalize_serial, record_of, required
from bot.tickets.models import WarrantyCard

#: The CSV's columns, in the order the export writes them.
CSV_COLUMNS: tuple[str, ...] = ("imei", "device_model", "activated_on")


@dataclass(frozen=True)
class WarrantyCardRecord:
    """A stored warranty card."""

    id: int
    imei: str
    device_model_id: str
    activated_on: dt.date
    source: str
    imported_at: dt.datetime


@dataclass(frozen=True)
class CardRow:
    """A checked line of the CSV.

    Attributes:
        line: Line number in the file (the header is line 1).
        imei: The IMEI, digits only.
        device_model_id: Catalogue id of the model.
        activated_on: Activation day.
    """

    line: int
    imei: str
    device_model_id: str
    activated_on: dt.date


@dataclass(frozen=True)
class ImportCounts:
    """What an import did: cards added, replaced (other model or date) and already stored."""

    added: int
    updated: int
    unchanged: int


def read_card_rows(
    text: str,
    *,
    is_imei: Callable[[str], bool],
    known_models: Container[str],
    today: dt.date,
) -> tuple[list[CardRow], list[str]]:
    """Read and check every line of a warranty-card CSV.

    Args:
        text: The file's content (a UTF-8 byte-order mark is ignored).
        is_imei: Whether a value is a valid IMEI (15 digits with a correct check digit).
        known_models: Catalogue ids of the brand's models.
        today: Activation dates after this day are refused.

    Returns:
        The checked rows and the errors, one per bad line (``line N: ...``); when there are
        errors, the rows must not be imported.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    if tuple(header[: len(CSV_COLUMNS)]) != CSV_COLUMNS:
        return [], [f"line 1: the header must be {','.join(CSV_COLUMNS)}"]
    rows: list[CardRow] = []
    errors: list[str] = []
    first_line: dict[str, CardRow] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        row, problems = _check_row(line, values, is_imei, known_models, today)
        if row is not None:
            earlier = first_line.setdefault(row.imei, row)
            if earlier is not row and (earlier.device_model_id, earlier.activated_on) != (
                row.device_model_id,
                row.activated_on,
            ):
                problems.append(f"IMEI {row.imei} is also on line {earlier.line} with other data")
            elif earlier is not row:
                continue  # the same card twice: imported once
        errors += [f"line {line}: {problem}" for problem in problems]
        if row is not None and not problems:
            rows.append(row)
    if not rows and not errors:
        errors.append("the file has no cards")
    return rows, errors


def _check_row(
    line: int,
    values: list[str],
    is_imei: Callable[[str], bool],
    known_models: Container[str],
    today: dt.date,
) -> tuple[CardRow | None, list[str]]:
    """One line's card, or None, and what is wrong with it."""
    if len(values) != len(CSV_COLUMNS):
        return None, [f"expected {len(CSV_COLUMNS)} values, found {len(values)}"]
    imei, model, activated = (value.strip() for value in values)
    problems: list[str] = []
    digits = "".join(imei.split())
    if not is_imei(digits):
        problems.append(f"IMEI {imei!r} is not 15 digits with a correct check digit")
    if model not in known_models:
        problems.append(f"unknown device model {model!r} (use an id of devices.yml)")
    try:
        activated_on: dt.date | None = dt.date.fromisoformat(activated)
    except ValueError:
        activated_on = None
        problems.append(f"activation date {activated!r} is not YYYY-MM-DD")
    if activated_on is not None and activated_on > today:
        problems.append(f"activation date {activated} is in the future")
    if problems or activated_on is None:
        return None, problems
    return CardRow(line, digits, model, activated_on), problems


def import_cards(
    session: Session,
    rows: Iterable[CardRow],
    *,
    source: str,
    now: dt.datetime | None = None,
) -> ImportCounts:
    """Store checked cards: add new IMEIs, replace changed ones, keep identical ones.

    Args:
        session: Session with a transaction owned by the caller (all rows or none).
        rows: Cards from :func:`read_card_rows` of a file without errors.
        source: Where the cards come from (e.g. the file name).
        now: Import time (aware); default the current time.

    Returns:
        How many cards were added, updated and left unchanged.
    """
    source = required("source", source)[:64]
    imported_at = aware(now)
    added = updated = unchanged = 0
    for row in rows:
        card = session.execute(
            select(WarrantyCard).where(WarrantyCard.imei == row.imei)
        ).scalar_one_or_none()
        if card is None:
            session.add(
                WarrantyCard(
                    imei=row.imei,
                    device_model_id=row.device_model_id,
                    activated_on=row.activated_on,
                    source=source,
                    imported_at=imported_at,
                )
            )
            added += 1
        elif (card.device_model_id, card.activated_on) == (row.device_model_id, row.activated_on):
            unchanged += 1
        else:
            card.device_model_id = row.device_model_id
            card.activated_on = row.activated_on
            card.source = source
            card.imported_at = imported_at
            updated += 1
    session.flush()
    return ImportCounts(added, updated, unchanged)


def get_warranty_card(session: Session, *, imei: str | None) -> WarrantyCardRecord | None:
    """The card of a device, or None.

    Args:
        session: Open session.
        imei: The IMEI (spaces and case do not matter); None finds nothing.
    """
    key = normalize_serial(imei)
    if key is None:
        return None
    card = session.execute(
        select(WarrantyCard).where(WarrantyCard.imei == key)
    ).scalar_one_or_none()
    return None if card is None else record_of(WarrantyCardRecord, card)

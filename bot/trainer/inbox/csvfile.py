"""The inbox file: CSV the trainer opens in Excel, annotates and saves again.

Written as UTF-8 with a BOM; read back as written or as Excel saves it (UTF-16 "Unicode text",
UTF-8 or GB18030, comma or tab separated, columns in any order). Cells starting with
``= + - @`` are written with a leading ``'`` so that Excel does not run user text as a formula;
the quote is removed again on reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path

from bot.trainer.inbox.build import InboxRow
from bot.trainer.inbox.events import Reason
from bot.trainer.texts import trainer_text

COL_TEXT = trainer_text("inbox.columns.text")
COL_COUNT = trainer_text("inbox.columns.count")
COL_INTENT = trainer_text("inbox.columns.intent")
COL_CONFIDENCE = trainer_text("inbox.columns.confidence")
COL_REASONS = trainer_text("inbox.columns.reasons")
COL_LAST_SEEN = trainer_text("inbox.columns.last_seen")
COL_LABEL = trainer_text("inbox.columns.label")
HEADER = (COL_TEXT, COL_COUNT, COL_INTENT, COL_CONFIDENCE, COL_REASONS, COL_LAST_SEEN, COL_LABEL)
REASON_SEPARATOR = trainer_text("inbox.reason_separator")
IGNORE_LABELS = frozenset({"-", "－", "—"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class InboxFileError(Exception):
    """The inbox file cannot be read (message in Chinese, for the trainer)."""


def excel_cell(value: str) -> str:
    """``value`` with a leading ``'`` when Excel would read it as a formula (``= + - @``)."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _uncell(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def inbox_text(rows: Sequence[InboxRow]) -> str:
    """The inbox file's content (without the BOM): the header, then one line per row."""
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [
                excel_cell(row.text),
                row.count,
                row.intent,
                f"{row.confidence:.2f}",
                REASON_SEPARATOR.join(r.value for r in row.reasons),
                row.last_seen.isoformat() if row.last_seen else "",
                excel_cell(row.label),
            ]
        )
    return handle.getvalue()


def write_inbox(path: Path, rows: Sequence[InboxRow]) -> None:
    """Write the rows as CSV in UTF-8 with a BOM (Excel then reads the Chinese correctly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(inbox_text(rows))


def _decode(data: bytes) -> str:
    """UTF-16 (Excel's "Unicode text"), UTF-8 with or without BOM, or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _int(value: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        return 0


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _date(value: str) -> dt.date | None:
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def read_inbox(path: Path) -> list[InboxRow]:
    """Read an inbox file, as written or after the trainer saved it again with Excel.

    Blank lines are skipped; columns are found by their header, in any order.

    Raises:
        InboxFileError: The file is missing or lacks the text or label column.
    """
    try:
        text = _decode(path.read_bytes())
    except OSError as error:
        message = trainer_text("inbox.file.unreadable", path=path, error=error.strerror)
        raise InboxFileError(message) from error
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first else ",")
    columns: dict[str, int] | None = None
    rows: list[InboxRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = {cell.strip().lstrip("\ufeff"): i for i, cell in enumerate(cells)}
            missing = [c for c in (COL_TEXT, COL_LABEL) if c not in columns]
            if missing:
                names = REASON_SEPARATOR.join(missing)
                raise InboxFileError(
                    trainer_text("inbox.file.missing_columns", path=path, columns=names)
                )
            continue

        def get(column: str, cells: list[str] = cells, columns: dict[str, int] = columns) -> str:
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        reasons = {part.strip() for part in get(COL_REASONS).split(REASON_SEPARATOR)}
        rows.append(
            InboxRow(
                text=_uncell(get(COL_TEXT)),
                count=_int(get(COL_COUNT)),
                intent=get(COL_INTENT),
                confidence=_float(get(COL_CONFIDENCE)),
                reasons=tuple(r for r in Reason if r.value in reasons),
                last_seen=_date(get(COL_LAST_SEEN)),
                label=_uncell(get(COL_LABEL)),
                line=reader.line_num,
            )
        )
    if columns is None:
        raise InboxFileError(trainer_text("inbox.file.empty", path=path))
    return rows

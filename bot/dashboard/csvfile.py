"""A dashboard table as the CSV file a manager opens in Excel.

UTF-8 with a BOM, the header row in Chinese (the page's column labels), cells escaped as in
the trainer's inbox (:func:`bot.trainer.inbox.csvfile.excel_cell`). A column whose rows
carry a ``<key>_label`` (and that label is not a column of its own) shows the label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any

from bot.trainer.inbox.csvfile import excel_cell

BOM = "\ufeff"


def _value(row: Mapping[str, Any], key: str, keys: set[str]) -> str:
    label = f"{key}_label"
    value = row.get(label) if label in row and label not in keys else row.get(key)
    if value is None:
        return ""
    return excel_cell(str(value))


def table_csv(table: Mapping[str, Any], text: Callable[[str], str]) -> bytes:
    """The table (as :mod:`bot.dashboard.figures` builds it) as CSV bytes.

    Args:
        table: ``{columns: [{key, label_key}], rows}``.
        text: The catalogue's text of a key (``console_text``).
    """
    columns = [column["key"] for column in table["columns"]]
    keys = set(columns)
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow([excel_cell(text(column["label_key"])) for column in table["columns"]])
    for row in table["rows"]:
        writer.writerow([_value(row, key, keys) for key in columns])
    return (BOM + handle.getvalue()).encode("utf-8")

"""Regenerate the tables of the docs that come from code, so they cannot drift.

Usage: ``python scripts/docs.py [--check]`` (``make docs``). Rewrites the blocks between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in:

- ``docs/tickets.md``: ``schema`` (every table of ``bot.tickets.models``' metadata, with
  PostgreSQL types, keys, indexes and CHECK constraints) and ``fields`` (the ticket fields of
  ``bot.tickets.draft``, their slots, console inputs and labels);
- ``docs/configuration.md``: ``settings`` (every field of ``bot.settings.Settings``).

``--check`` rewrites nothing and exits 1 when a block is not current. The prose around the
blocks is written by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import CheckConstraint, Column, MetaData, Table
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DIALECT = postgresql.dialect()


def _sql(clause: Any) -> str:
    """A clause (or plain SQL text) as PostgreSQL text with its literals in place."""
    if isinstance(clause, str):
        return clause
    return str(clause.compile(dialect=DIALECT, compile_kwargs={"literal_binds": True}))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def column_notes(column: Column[Any]) -> str:
    """Keys, indexes, references and the comment of one column."""
    notes = []
    if column.primary_key:
        notes.append("primary key")
    if column.unique:
        notes.append("unique")
    if column.index:
        notes.append("indexed")
    for key in sorted(column.foreign_keys, key=lambda k: k.target_fullname):
        action = f" ON DELETE {key.ondelete}" if key.ondelete else ""
        notes.append(f"→ `{key.target_fullname}`{action}")
    if column.server_default is not None:
        notes.append(f"default `{_sql(column.server_default.arg)}`")  # type: ignore[attr-defined]
    if column.comment:
        notes.append(column.comment)
    return _cell("; ".join(notes))


def table_markdown(table: Table) -> list[str]:
    """The Markdown of one table: columns, then indexes and constraints."""
    lines = [f"### `{table.name}`", ""]
    if table.comment:
        lines += [table.comment, ""]
    lines += ["| column | type | null | notes |", "|---|---|---|---|"]
    for column in sorted(table.columns, key=lambda c: not c.primary_key):
        kind = column.type.compile(dialect=DIALECT)
        null = "yes" if column.nullable and not column.primary_key else "no"
        lines.append(f"| `{column.name}` | {kind} | {null} | {column_notes(column)} |")
    extra = []
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        columns = ", ".join(c.name for c in index.columns)
        where = index.dialect_options["postgresql"].get("where")
        partial = f" where `{_sql(where)}`" if where is not None else ""
        kind = "unique index" if index.unique else "index"
        if len(index.columns) > 1 or index.unique or partial:
            extra.append(f"- {kind} `{index.name}` on ({columns}){partial}")
    checks = [c for c in table.constraints if isinstance(c, CheckConstraint)]
    for check in sorted(checks, key=lambda c: str(c.name)):
        extra.append(f"- check `{check.name}`: `{_sql(check.sqltext)}`")
    return [*lines, *(["", *extra] if extra else []), ""]


def schema_block(metadata: MetaData) -> str:
    """Every table of ``metadata``: ``tickets`` first, then by name, after a list of them."""
    tables = sorted(metadata.tables.values(), key=lambda t: (t.name != "tickets", t.name))
    lines = ["Tables: " + ", ".join(f"`{t.name}`" for t in tables) + ".", ""]
    for table in tables:
        lines += table_markdown(table)
    return "\n".join(lines).rstrip() + "\n"


def fields_block() -> str:
    """The ticket's fields as :class:`bot.tickets.draft.TicketDraft` defines them."""
    from bot.catalog.ticket_fields import load_ticket_field_texts
    from bot.tickets.draft import ticket_fields

    labels = load_ticket_field_texts()
    lines = [
        "| field | label | filled from | asked by the form | console input |",
        "|---|---|---|---|---|",
    ]
    for spec in ticket_fields():
        source = f"slot `{spec.slot}`" if spec.slot else "the conversation or the assistant"
        if spec.default is not None:
            source += f" (default `{spec.default}`)"
        console = "—"
        if spec.console is not None:
            console = spec.console.input + ("" if spec.console.required else ", optional")
            if spec.console.options:
                console += f", options: {spec.console.options}"
        asked = "yes" if spec.asked else "no"
        lines.append(
            f"| `{spec.name}` | {labels.label(spec.name)} | {source} | {asked} | {console} |"
        )
    return "\n".join(lines) + "\n"


def _default(value: Any) -> str:
    if value is None:
        return "auto"
    if isinstance(value, Path):
        return f"`{value.relative_to(ROOT) if value.is_relative_to(ROOT) else value}/`"
    if value == "":
        return "empty"
    return f"`{value}`"


def settings_block() -> str:
    """Every field of :class:`bot.settings.Settings`: variable, default, meaning."""
    from bot.settings import Settings

    lines = ["| variable | default | range | meaning |", "|---|---|---|---|"]
    for name, field in Settings.__fields__.items():
        info = field.field_info
        low = info.ge if info.ge is not None else info.gt
        high = info.le if info.le is not None else info.lt
        bounds = f"{low if low is not None else ''}–{high if high is not None else ''}"
        cells = [f"`{name.upper()}`", _default(field.default), "" if bounds == "–" else bounds]
        lines.append("| " + " | ".join([*cells, _cell(info.description or "")]) + " |")
    return "\n".join(lines) + "\n"


def splice(text: str, name: str, block: str) -> str:
    """``text`` with its ``name`` block replaced by ``block``.

    Raises:
        ValueError: ``text`` has no such block.
    """
    pattern = re.compile(
        rf"(<!-- generated:{name} [^\n]*-->\n).*?(<!-- /generated:{name} -->)", re.S
    )
    if not pattern.search(text):
        raise ValueError(f"no <!-- generated:{name} ... --> block")
    return pattern.sub(lambda m: m.group(1) + "\n" + block + "\n" + m.group(2), text, count=1)


def blocks() -> dict[Path, list[tuple[str, Callable[[], str]]]]:
    """File → its generated blocks (name, renderer)."""
    from bot.tickets.models import Base

    return {
        DOCS / "tickets.md": [
            ("schema", lambda: schema_block(Base.metadata)),
            ("fields", fields_block),
        ],
        DOCS / "configuration.md": [("settings", settings_block)],
    }


def stale(
    files: Iterable[tuple[Path, list[tuple[str, Callable[[], str]]]]], write: bool
) -> list[str]:
    """Regenerate each file's blocks; the files that were not current (written if ``write``)."""
    result = []
    for path, parts in files:
        text = path.read_text(encoding="utf-8")
        new = text
        for name, render in parts:
            new = splice(new, name, render())
        if new != text:
            result.append(str(path.relative_to(ROOT)))
            if write:
                path.write_text(new, encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks, or check them with ``--check``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a block is not current")
    args = parser.parse_args(argv)
    changed = stale(blocks().items(), write=not args.check)
    for path in changed:
        verb = "not current: run `make docs`" if args.check else "written"
        print(f"{path}: {verb}", file=sys.stderr if args.check else sys.stdout)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The packages' layering (docs/architecture.md): what each may import, read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

#: Third-party packages of the dialogue engine, the SDK and the database.
ENGINE = ("rasa", "rasa_sdk", "sanic", "sqlalchemy", "alembic", "socketio", "wechatpy")
#: The pure packages: parsing and catalogues only.
PURE = ("intake", "catalog")
PURE_MODULES = tuple(f"bot.{package}" for package in PURE)
#: What the ticket store may import from the project, besides itself.
STORE_MAY_USE = ("bot.settings", "bot.catalog")
#: Entry points of the store that sit on top of everything (they may import anything).
STORE_ENTRY_POINTS = ("cli.py", "migrations")


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((BOT / package).rglob("*.py"))


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_no_engine_and_no_store(package: str) -> None:
    found = [
        f"{path.relative_to(BOT)}: {name}"
        for path in _modules(package)
        for name in _imports(path)
        if _within(name, ENGINE) or (name.startswith("bot.") and not _within(name, PURE_MODULES))
    ]
    assert found == []


def test_the_ticket_store_uses_only_settings_and_catalogues() -> None:
    found = [
        f"{path.relative_to(BOT)}: {name}"
        for path in _modules("tickets")
        if not any(part in STORE_ENTRY_POINTS for part in path.relative_to(BOT / "tickets").parts)
        for name in _imports(path)
        if name.startswith("bot.") and not _within(name, ("bot.tickets", *STORE_MAY_USE))
    ]
    assert found == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.notify.worker import deliver_due\n", "utf-8")
    assert _imports(module) == ["bot.notify.worker"]
    assert not _within("bot.notify.worker", ("bot.tickets", *STORE_MAY_USE))


def test_the_dashboard_reads_no_console_action_or_channel() -> None:
    """The manager's figures sit under the console: never importing it, an action or a channel."""
    above = ("bot.console", "bot.actions", "bot.channels")
    found = [
        f"{path.relative_to(BOT)}: {name}"
        for path in _modules("dashboard")
        for name in _imports(path)
        if _within(name, above)
    ]
    assert _modules("dashboard") and found == []

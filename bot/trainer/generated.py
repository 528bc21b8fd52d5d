"""Write the rule files that are generated from the catalogues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _NoAliases(yaml.SafeDumper):
    """Writes repeated steps out in full (Rasa's rule files have no YAML anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_rule_file(header: str, rules: list[dict[str, Any]]) -> str:
    """A Rasa rules file: ``header`` comment lines, then the rules."""
    body = yaml.dump(
        {"version": "3.1", "rules": rules},
        Dumper=_NoAliases,
        allow_unicode=True,
        sort_keys=False,
    )
    return header + body


def write_if_changed(path: Path, content: str) -> bool:
    """Write ``content`` to ``path``; ``True`` if the file changed."""
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.write_text(content, encoding="utf-8")
    return True


def report(path: Path, changed: bool) -> int:
    """Say whether a generated file was written; the exit code of the generators."""
    print(f"{path}: {'written' if changed else 'up to date'}")
    return 0

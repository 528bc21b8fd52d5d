"""Generate ``bot/data/rules/faults.yml`` from the fault catalogue (``faults.yml``).

Every fault with an intent (all but ``other``) starts the intake form; the form takes the
category from the intent through the catalogue. Run ``python -m bot.trainer.fault_rules``
after editing the catalogue by hand (``make new-fault`` runs it); ``make validate`` and a test
fail while the generated file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bot.catalog.loader import Catalogue, load_catalogue
from bot.trainer.generated import render_rule_file, report, write_if_changed
from bot.trainer.paths import DATA_DIR

RULES_FILE = DATA_DIR / "rules" / "faults.yml"
HEADER = (
    "# Generated from bot/data/catalog/faults.yml by `python -m bot.trainer.fault_rules`:\n"
    "# do not edit by hand.\n"
)


def fault_rules(catalogue: Catalogue) -> list[dict[str, Any]]:
    """One rule per fault intent: the intent starts the repair intake."""
    return [
        {
            "rule": f"Start the intake on the fault {fault.id}",
            "steps": [
                {"intent": fault.intent},
                {"action": "repair_form"},
                {"active_loop": "repair_form"},
            ],
        }
        for fault in catalogue.faults
        if fault.intent
    ]


def render_rules(catalogue: Catalogue) -> str:
    """The content of the generated rules file."""
    return render_rule_file(HEADER, fault_rules(catalogue))


def write_rules(path: Path = RULES_FILE, catalogue: Catalogue | None = None) -> bool:
    """Write the rules file; ``True`` if it changed."""
    return write_if_changed(path, render_rules(catalogue or load_catalogue()))


def main() -> int:
    """Regenerate the rules file and say whether it changed."""
    return report(RULES_FILE, write_rules())


if __name__ == "__main__":
    sys.exit(main())

"""What Rasa's training cache must also see: the code and catalogues the components read.

Rasa reuses a cached component when its config and inputs are unchanged. The project's
components also read the catalogues (jieba words, device patterns) and their own code, which
the graph does not pass in; ``CatalogueFingerprint`` adds both to the cache key so that an
edited alias or component retrains what depends on it, and nothing else.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

_BOT = Path(__file__).resolve().parent.parent
# The packages whose code the NLU components run (parsers, catalogue loader, components).
_CODE_DIRS = ("nlu", "intake", "catalog")


def code_files() -> list[Path]:
    """The Python files of the packages the NLU components run."""
    return sorted(p for d in _CODE_DIRS for p in (_BOT / d).glob("*.py"))


@lru_cache(maxsize=8)
def inputs_digest(catalog_dir: str | None = None) -> str:
    """A digest of the NLU code and the catalogue files."""
    digest = hashlib.sha256()
    catalogue = Path(catalog_dir) if catalog_dir else _BOT / "data" / "catalog"
    files = [*code_files(), *catalogue.glob("*.yml")]
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class CatalogueFingerprint:
    """Mixin for the project's graph components: their cache key includes code and catalogue."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa's hook for data a component reads outside the graph."""
        return inputs_digest(config.get("catalog_dir"))

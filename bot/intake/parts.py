"""Find the repair part a user names, from the names and keywords of the price catalogue.

The catalogue (:mod:`bot.catalog.prices`) holds the parts and prices; this module matches
what users type against them, both sides in the form of :func:`part_form`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.catalog.loader import CATALOG_DIR, CatalogueError
from bot.catalog.prices import PRICES_FILE, PriceCatalogue, RepairPart, load_prices
from bot.intake.normalize import compact, lower_same_length

__all__ = ["PartNames", "check_part_keywords", "load_parts", "part_form"]


def part_form(text: str) -> str:
    """Half-width and lower-case, without spaces and separators.

    Args:
        text: A keyword or user text, e.g. ``"ＴＹＰＥ－Ｃ口"`` or ``"charging_port"``.

    Returns:
        E.g. ``"typec口"`` or ``"chargingport"``.
    """
    return lower_same_length(compact(text))


class PartNames:
    """The part names and keywords of a price catalogue, ready for matching.

    Attributes:
        prices: The catalogue the names come from.

    Raises:
        CatalogueError: One keyword (in :func:`part_form`) belongs to two parts.
    """

    def __init__(self, prices: PriceCatalogue) -> None:
        self.prices = prices
        self._ids = {part_form(p.id): p for p in prices.parts}
        owners: dict[str, RepairPart] = {}
        for index, part in enumerate(prices.parts):
            for word in (part.name, *part.keywords):
                owner = owners.setdefault(part_form(word), part)
                if owner is not part:
                    raise CatalogueError(
                        f"{PRICES_FILE} part #{index + 1}: keyword '{word}' is also a keyword "
                        f"of '{owner.id}'"
                    )
        self._forms = tuple((form, part) for form, part in owners.items() if form)

    def match_part(self, text: str) -> RepairPart | None:
        """The part a user names.

        Args:
            text: Free text such as ``"尾插坏了"``, or a part id such as ``"charging_port"``.

        Returns:
            The part whose name or keyword is the longest one in the text (the earliest on a
            tie), or ``None`` when none is.
        """
        norm = part_form(text)
        if not norm:
            return None
        if norm in self._ids:
            return self._ids[norm]
        found = [(len(form), -norm.find(form), part) for form, part in self._forms if form in norm]
        return max(found, key=lambda f: (f[0], f[1]))[2] if found else None


def load_parts(directory: Path | str | None = None) -> PartNames:
    """The part names of the price catalogue in ``directory``, built once per folder.

    Args:
        directory: Folder of ``repair_prices.yml`` and ``devices.yml``; the packaged
            catalogue folder by default.

    Raises:
        CatalogueError: A file is malformed, or one keyword belongs to two parts.
    """
    folder = Path(directory) if directory else CATALOG_DIR
    return _load_cached(folder.resolve())


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> PartNames:
    return PartNames(load_prices(folder))


def check_part_keywords(directory: Path | str | None = None) -> list[str]:
    """``make validate``: the price catalogue loads and no keyword belongs to two parts.

    Returns:
        The problem, or ``[]`` when the keywords are fine.
    """
    try:
        load_parts(directory)
    except CatalogueError as error:
        return [str(error)]
    return []

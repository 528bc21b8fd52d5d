"""Event classes looked up by name from a table instead of a walk over every subclass.

Rasa 3.6's ``Event.resolve_by_type`` walks ``all_subclasses(Event)`` for every event it
deserialises, so loading a tracker of n events costs n walks: at the 200th turn of one
conversation this was about half of the turn (``make bench-tracker``). :func:`install`
replaces it with a lookup in a name → class table built from the same walk, in the same
order (the first class with a name wins, as in Rasa's loop); a name not in the table
rebuilds it once (an event class defined later) before Rasa's own answer for unknown names
(``topic``, the default, or ``ValueError``).
"""

from __future__ import annotations

from typing import Any

import rasa.shared.utils.common
from rasa.shared.core.events import Event

#: Rasa's own method, for comparisons.
STOCK_RESOLVE = Event.resolve_by_type

_table: dict[str, type[Event]] = {}


def _rebuild() -> None:
    table: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    _table.clear()
    _table.update(table)


def resolve_by_type(type_name: str, default: Any = None) -> type[Event] | None:
    """``Event.resolve_by_type`` from the table: the same class, exception or default."""
    found = _table.get(type_name)
    if found is None:
        _rebuild()
        found = _table.get(type_name)
    if found is not None:
        return found
    return STOCK_RESOLVE(type_name, default)  # type: ignore[no-any-return]


def install() -> None:
    """Make every event lookup by name use the table (idempotent)."""
    _rebuild()
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return Event.__dict__["resolve_by_type"].__func__ is resolve_by_type

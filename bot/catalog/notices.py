"""The texts of notices: ``bot/data/catalog/notices.yml`` (event texts, WeChat template fields).

Pure: YAML in, strings out; no SDK or database imports.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.catalog.labels import load_timeline_format
from bot.catalog.loader import CATALOG_DIR, CatalogueError, load_status_names
from bot.catalog.texts import load_text_tree

#: The key of the WeChat template's field mapping (every other top-level key is an event).
WECHAT_TEMPLATE_KEY = "wechat_template"
#: Parameters every notice has.
COMMON_PARAMS: tuple[str, ...] = ("ticket_no",)
#: Parameters a WeChat template field may use besides the notice's own.
WECHAT_EXTRA_PARAMS: tuple[str, ...] = ("text", "event_time")


class UnknownNoticeEvent(KeyError):
    """``notices.yml`` has no text for this event."""


@dataclass(frozen=True)
class NoticeTexts:
    """The notice catalogue.

    Attributes:
        events: Event name -> text with ``{placeholders}``.
        wechat_fields: WeChat template field -> text (placeholders: the notice's
            parameters, ``{text}`` and ``{event_time}``).
    """

    events: Mapping[str, str]
    wechat_fields: Mapping[str, str]

    def text(self, event: str, params: Mapping[str, object]) -> str:
        """The text of ``event`` with ``params`` filled in.

        Raises:
            UnknownNoticeEvent: No text for ``event``.
            KeyError: The text needs a parameter that ``params`` lacks.
        """
        template = self.events.get(event)
        if template is None:
            raise UnknownNoticeEvent(f"notices.yml has no text for the event {event!r}")
        try:
            return template.format_map(params)
        except KeyError as missing:
            raise KeyError(f"notices.yml: {event!r} needs the parameter {missing}") from None

    def wechat_data(self, text: str, params: Mapping[str, object]) -> dict[str, str]:
        """The WeChat template's fields for a notice whose text is ``text``.

        Raises:
            KeyError: A field needs a parameter that the notice lacks.
        """
        values = {**params, "text": text}
        try:
            return {field: value.format_map(values) for field, value in self.wechat_fields.items()}
        except KeyError as missing:
            raise KeyError(f"notices.yml: wechat_template needs the parameter {missing}") from None


def placeholders(template: str) -> set[str]:
    """The names in braces of ``template``."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@lru_cache(maxsize=4)
def load_notice_texts(directory: Path | None = None) -> NoticeTexts:
    """Read ``notices.yml``.

    Args:
        directory: Catalogue directory; the shipped one by default.

    Raises:
        CatalogueError: The file is malformed, or has no ``wechat_template`` mapping.
    """
    path = (directory or CATALOG_DIR) / "notices.yml"
    tree = load_text_tree(path)
    fields = tree.get(WECHAT_TEMPLATE_KEY)
    if (
        not isinstance(fields, dict)
        or not fields
        or not all(isinstance(value, str) for value in fields.values())
    ):
        raise CatalogueError(
            f"{path.name}: {WECHAT_TEMPLATE_KEY} must map template fields to texts"
        )
    events: dict[str, str] = {}
    for key, value in tree.items():
        if key == WECHAT_TEMPLATE_KEY:
            continue
        if not isinstance(value, str):
            raise CatalogueError(f"{path.name}: the event {key} must be a text")
        events[str(key)] = value
    return NoticeTexts(events=events, wechat_fields={str(k): str(v) for k, v in fields.items()})


def status_params(status: str, tracking_no: str | None, courier: str | None) -> dict[str, str]:
    """Parameters of a ``status_changed`` notice: the status, its name, the tracking number.

    Names and the tracking format come from ``ticket_statuses.yml``.
    """
    tracking = ""
    if tracking_no:
        fmt = load_timeline_format()
        template = fmt.tracking if courier else fmt.tracking_no_courier
        tracking = template.format(courier=courier or "", tracking_no=tracking_no)
    return {
        "status": status,
        "status_name": load_status_names().get(status, status),
        "tracking": tracking,
    }

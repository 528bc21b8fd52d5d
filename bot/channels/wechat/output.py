"""The WeChat output channel: a passive reply within 5 seconds, customer-service messages after.

It collects a turn's messages for the passive reply, or pushes them through the
customer-service API once the 5-second window is gone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from rasa.core.channels.channel import OutputChannel

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.render import (
    TEXT_LIMIT_BYTES,
    ChoiceMemory,
    number_buttons,
    render_choices,
    split_text,
)

logger = logging.getLogger(__name__)

_JOIN = "\n\n"


def pack_passive(messages: Sequence[str], limit: int = TEXT_LIMIT_BYTES) -> tuple[str, list[str]]:
    """Pack the first messages into one passive reply of at most ``limit`` bytes.

    WeChat shows one passive reply per user message, so whole messages are joined with a
    blank line while they fit; the parts that do not fit are returned, in order, for the
    customer-service API. Returns ``("", [])`` for no message.
    """
    parts = [part for message in messages for part in split_text(message, limit)]
    if not parts:
        return "", []
    reply = parts[0]
    taken = 1
    for part in parts[1:]:
        candidate = reply + _JOIN + part
        if len(candidate.encode("utf-8")) > limit:
            break
        reply = candidate
        taken += 1
    return reply, parts[taken:]


class WeChatOutput(OutputChannel):  # type: ignore[misc]  # Rasa is untyped
    """Renders Rasa messages as WeChat text: numbered choices for buttons, split at 2048 bytes.

    In collecting mode (the bot's first seconds) messages wait for :meth:`take_passive`;
    in pushing mode each one is sent, in order, as a customer-service message.
    """

    _background: ClassVar[set[asyncio.Task[None]]] = set()

    @classmethod
    def name(cls) -> str:
        """The channel name, as in ``credentials.yml``."""
        return "wechat"

    def __init__(
        self,
        *,
        api: WeChatApi,
        choices: ChoiceMemory,
        choice_line: str,
        push: bool = False,
    ) -> None:
        self._api = api
        self._choices = choices
        self._choice_line = choice_line
        self._push = push
        self._pending: list[tuple[str, str]] = []
        self._tail: asyncio.Task[None] | None = None
        self._next_number = 1

    # --- what Rasa calls ----------------------------------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send a text."""
        self._emit(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send the text with one numbered line per button, and remember the numbers."""
        choices = number_buttons(buttons, first=self._next_number)
        if self._next_number == 1:
            self._choices.offer(recipient_id, choices)
        else:  # a second set of buttons in the same turn continues the numbering
            self._choices.extend(recipient_id, choices)
        self._next_number += len(choices)
        self._emit(recipient_id, render_choices(text, choices, self._choice_line))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send the image's link (a WeChat image message needs an uploaded media id)."""
        self._emit(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        """Send the attachment's link."""
        self._emit(recipient_id, str(attachment))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom payload's ``text`` if it has one; other payloads are web-only."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str):
            self._emit(recipient_id, text)
        else:
            logger.debug("wechat: custom payload not shown: %s", json.dumps(json_message)[:200])

    # --- delivery -----------------------------------------------------------------------

    @property
    def pushing(self) -> bool:
        """Whether messages go out as customer-service messages (the passive reply is gone)."""
        return self._push

    def _emit(self, recipient_id: str, text: str) -> None:
        if not text.strip():
            return
        if self._push:
            self._enqueue(recipient_id, split_text(text))
        else:
            self._pending.append((recipient_id, text))

    def end_turn(self) -> None:
        """The user's turn is over: later buttons (e.g. from a reminder) are numbered from 1."""
        self._next_number = 1

    def take_passive(self) -> tuple[str, list[tuple[str, str]]]:
        """End collecting: return the passive reply text and the ``(openid, part)`` left over.

        Later messages are pushed.
        """
        self._push = True
        pending, self._pending = self._pending, []
        reply, rest = pack_passive([text for _, text in pending])
        recipient = pending[0][0] if pending else ""
        return reply, [(recipient, part) for part in rest]

    def start_pushing(self) -> None:
        """End collecting: push what was collected, then every later message."""
        self._push = True
        pending, self._pending = self._pending, []
        for recipient_id, text in pending:
            self._enqueue(recipient_id, split_text(text))

    def push_parts(self, parts: Sequence[tuple[str, str]], delay: float = 0.0) -> None:
        """Send ``(openid, part)`` pairs after ``delay`` seconds, after anything queued."""
        by_recipient: list[tuple[str, list[str]]] = []
        for recipient_id, part in parts:
            if by_recipient and by_recipient[-1][0] == recipient_id:
                by_recipient[-1][1].append(part)
            else:
                by_recipient.append((recipient_id, [part]))
        for recipient_id, texts in by_recipient:
            self._enqueue(recipient_id, texts, delay)
            delay = 0.0

    def _enqueue(self, recipient_id: str, parts: list[str], delay: float = 0.0) -> None:
        previous = self._tail

        async def deliver() -> None:
            if previous is not None:
                await previous
            if delay:
                await asyncio.sleep(delay)
            for part in parts:
                try:
                    await asyncio.to_thread(self._api.send_text, recipient_id, part)
                except WeChatApiError as error:
                    # Nothing to answer to any more: the user's request was acknowledged.
                    logger.error(
                        "wechat: customer-service message to %s lost: %s", recipient_id, error
                    )

        task = asyncio.get_running_loop().create_task(deliver())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        self._tail = task

    async def drain(self) -> None:
        """Wait until every queued customer-service message was sent (or failed)."""
        while self._tail is not None and not self._tail.done():
            await self._tail

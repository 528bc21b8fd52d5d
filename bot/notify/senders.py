"""What a notice sender is, what it is given, and how it fails.

One sender per notice channel (``wechat``, ``web``, ``sms``); :mod:`bot.notify.worker`
hands each a :class:`Notice` and reads its failures: :class:`DeliveryError` is tried again
later, :class:`PermanentDeliveryError` never, :class:`RecipientAbsent` (a closed widget)
makes the notice an SMS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class DeliveryError(RuntimeError):
    """The channel could not take the notice now (down, busy, timed out): try again later."""


class PermanentDeliveryError(DeliveryError):
    """The channel refused the notice for good (unknown recipient, bad template)."""


class RecipientAbsent(DeliveryError):
    """The recipient cannot be reached on this channel now (the widget is closed)."""


@dataclass(frozen=True)
class Notice:
    """One claimed notice, ready to send.

    Attributes:
        id: Outbox row id (senders use it as an idempotency key).
        ticket_no: The ticket it is about.
        event: Event name (``status_changed`` ...).
        channel: ``wechat``, ``web`` or ``sms``.
        recipient: Openid, widget session id or phone number.
        text: The event's text, filled in.
        params: The event's parameters (with ``ticket_no``).
        created_at: When the event happened.
        attempt: Which attempt this is (1 for the first).
    """

    id: int
    ticket_no: str
    event: str
    channel: str
    recipient: str
    text: str
    params: Mapping[str, str]
    created_at: dt.datetime
    attempt: int


class NoticeSender(Protocol):
    """Sends notices of one channel."""

    async def send(self, notice: Notice) -> None:
        """Deliver ``notice`` to its recipient.

        Raises:
            DeliveryError: Not delivered (see the subclasses for what happens next).
        """
        ...


class LocalRecipients(Protocol):
    """A sender that can reach only some recipients from this process (open widgets)."""

    def local_recipients(self) -> set[str]:
        """The recipients this process can reach now."""
        ...

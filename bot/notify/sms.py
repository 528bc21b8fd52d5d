"""SMS notices: a provider interface and its HTTP adapter.

:class:`SmsProvider` is all the worker needs; :class:`HttpSmsProvider` speaks this small
HTTP protocol, which a brand's gateway (or an adapter in front of Aliyun / Tencent Cloud
SMS) implements::

    POST <SMS_URL>
    Authorization: Bearer <SMS_TOKEN>
    Idempotency-Key: notice-<outbox id>
    Content-Type: application/json; charset=utf-8

    {"to": "18600001111", "text": "您的维修单 ...", "reference": "notice-42"}

    200/201/202 {"id": "<provider message id>"}   accepted
    400/404/422                                   refused for good (bad number ...)
    401/403/408/429/5xx, no answer                try again later

The same ``Idempotency-Key`` is sent on every attempt of one notice, so a provider that
keeps them never sends a retried notice twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import requests

from bot.notify.senders import DeliveryError, Notice, PermanentDeliveryError

logger = logging.getLogger(__name__)

#: Answers that mean the message was accepted.
ACCEPTED = frozenset({200, 201, 202})
#: Answers that mean the provider will never take this message.
REFUSED = frozenset({400, 404, 422})


class SmsProvider(Protocol):
    """Sends one text message."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        """Send ``text`` to ``phone``; ``reference`` is the same on every retry.

        Raises:
            PermanentDeliveryError: The provider refused the message for good.
            DeliveryError: The provider could not take it now.
        """
        ...


class HttpSmsProvider:
    """The HTTP adapter of the protocol above (``SMS_URL``, ``SMS_TOKEN``)."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self._url = url
        self._token = token
        self._timeout = timeout
        self._session = session or requests.Session()

    def send(self, *, phone: str, text: str, reference: str) -> None:
        """POST the message (see the module's docstring for the protocol).

        Raises:
            PermanentDeliveryError: 400, 404 or 422.
            DeliveryError: Any other failure (network, time-out, 401/403, 429, 5xx).
        """
        headers = {"Idempotency-Key": reference}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._session.post(
                self._url,
                json={"to": phone, "text": text, "reference": reference},
                headers=headers,
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise DeliveryError(f"sms: {type(error).__name__}") from error
        if response.status_code in ACCEPTED:
            return
        if response.status_code in REFUSED:
            raise PermanentDeliveryError(f"sms: HTTP {response.status_code} (refused)")
        raise DeliveryError(f"sms: HTTP {response.status_code}")


class SmsSender:
    """Sends notices as text messages to the ticket's contact phone."""

    def __init__(self, provider: SmsProvider) -> None:
        self._provider = provider

    async def send(self, notice: Notice) -> None:
        """Send ``notice`` (in a thread: providers block).

        Raises:
            DeliveryError: As the provider raises it.
        """
        await asyncio.to_thread(
            self._provider.send,
            phone=notice.recipient,
            text=notice.text,
            reference=f"notice-{notice.id}",
        )

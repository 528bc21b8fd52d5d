"""WeChat notices: template (subscription) messages through wechatpy.

The template (``WECHAT_NOTICE_TEMPLATE_ID``, chosen in the Official Account's admin) gets
its fields from ``notices.yml``'s ``wechat_template``. The access token is the channel's
(:class:`bot.channels.wechat.api.WeChatApi`, shared through Redis with
``WECHAT_REDIS_URL``): wechatpy never fetches one itself, so it never expires the token the
channel uses.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.catalog.notices import NoticeTexts, load_notice_texts
from bot.channels.wechat.api import TOKEN_EXPIRED_CODES, WeChatApiError
from bot.notify.senders import DeliveryError, Notice, PermanentDeliveryError

logger = logging.getLogger(__name__)

#: WeChat error codes that no retry can fix: invalid openid (40003), invalid template id
#: (40037), invalid data (47001, 47003), openid not of this account (40036), the user
#: does not follow the account (43004), the user refused template messages (43101).
PERMANENT_CODES = frozenset({40003, 40036, 40037, 47001, 47003, 43004, 43101})
#: How the time of the event is written in the template's ``{event_time}``.
EVENT_TIME_FORMAT = "%Y-%m-%d %H:%M"


class TokenSource(Protocol):
    """Where the access token comes from (:class:`~bot.channels.wechat.api.WeChatApi`)."""

    def access_token(self, *, rejected: str | None = None) -> str:
        """A valid token; a new one when ``rejected`` is the cached one."""
        ...


class WeChatTemplateSender:
    """Sends notices as WeChat template messages to the owner's openid."""

    def __init__(
        self,
        *,
        tokens: TokenSource,
        app_id: str,
        template_id: str,
        api_base_url: str,
        timeout: float,
        tz: ZoneInfo,
        texts: NoticeTexts | None = None,
    ) -> None:
        self._tokens = tokens
        self._app_id = app_id
        self._template_id = template_id
        self._api_base_url = api_base_url.rstrip("/") + "/cgi-bin/"
        self._timeout = timeout
        self._tz = tz
        self._texts = texts or load_notice_texts()

    def template_data(self, notice: Notice) -> dict[str, dict[str, str]]:
        """The template's ``data``: each field's value, filled from the notice."""
        when = notice.created_at.astimezone(self._tz).strftime(EVENT_TIME_FORMAT)
        fields = self._texts.wechat_data(notice.text, {**notice.params, "event_time": when})
        return {field: {"value": value} for field, value in fields.items()}

    async def send(self, notice: Notice) -> None:
        """Send ``notice`` as a template message (in a thread: wechatpy blocks).

        Raises:
            PermanentDeliveryError: WeChat refused it for good (see :data:`PERMANENT_CODES`).
            DeliveryError: WeChat could not be reached or refused it for now.
        """
        await asyncio.to_thread(self._send, notice)

    def _client(self, token: str) -> Any:
        client = WeChatClient(self._app_id, None, access_token=token, timeout=self._timeout)
        client.auto_retry = False  # a rejected token is renewed here, through the channel's cache
        client.API_BASE_URL = self._api_base_url
        return client

    def _send(self, notice: Notice) -> None:
        data = self.template_data(notice)
        try:
            token = self._tokens.access_token()
            for attempt in (1, 2):
                try:
                    self._client(token).message.send_template(
                        notice.recipient, self._template_id, data
                    )
                    return
                except WeChatClientException as error:
                    code = error.errcode
                    if attempt == 1 and code in TOKEN_EXPIRED_CODES:
                        logger.info("wechat notice: access token rejected, fetching a new one")
                        token = self._tokens.access_token(rejected=token)
                        continue
                    if code in PERMANENT_CODES:
                        raise PermanentDeliveryError(f"wechat errcode {code}") from error
                    raise DeliveryError(f"wechat errcode {code}") from error
        except WeChatApiError as error:
            raise DeliveryError(f"wechat access token: {error}") from error
        except requests.RequestException as error:
            raise DeliveryError(f"wechat: {type(error).__name__}") from error
        raise DeliveryError("wechat: the access token was rejected twice")

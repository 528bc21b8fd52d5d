"""A small client for the WeChat API: access token and customer-service text messages."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

import requests

logger = logging.getLogger(__name__)

TOKEN_EXPIRED_CODES = frozenset({40001, 40014, 42001})
"""Invalid (40001, 40014) or expired (42001) access token: fetch a new one and retry once."""

_EXPIRY_MARGIN = 300.0
"""Seconds before its stated expiry that a token is renewed (WeChat overlaps old and new)."""


class WeChatApiError(RuntimeError):
    """WeChat answered with an error code, or could not be reached."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class TokenCache(Protocol):
    """Where :class:`WeChatApi` keeps the access token (one per account).

    :meth:`lock` is held while the token is read and, if need be, fetched and stored, so
    that only one caller (thread, or machine for a shared cache) fetches a new token.
    """

    def get(self) -> str | None:
        """The cached token, or ``None`` if there is none or it expired."""
        ...

    def put(self, token: str, ttl_seconds: float) -> None:
        """Cache ``token`` for ``ttl_seconds``."""
        ...

    def invalidate(self, token: str) -> None:
        """Drop ``token`` if it is still the cached one (WeChat refused it)."""
        ...

    def lock(self) -> AbstractContextManager[object]:
        """A lock held around reading and renewing the token."""
        ...


class MemoryTokenCache:
    """The in-process token cache: enough for one machine."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def get(self) -> str | None:
        """The cached token, or ``None`` if there is none or it expired."""
        if self._token is None or self._clock() >= self._expires:
            return None
        return self._token

    def put(self, token: str, ttl_seconds: float) -> None:
        """Cache ``token`` for ``ttl_seconds``."""
        self._token = token
        self._expires = self._clock() + ttl_seconds

    def invalidate(self, token: str) -> None:
        """Drop ``token`` if it is still the cached one."""
        if self._token == token:
            self._token = None

    def lock(self) -> AbstractContextManager[object]:
        """A thread lock."""
        return self._lock


class WeChatApi:
    """Fetches and caches the access token; sends customer-service text messages.

    Blocking (``requests``); async callers run it in a thread. One instance per account,
    shared by all conversations, so the token is fetched once per expiry. WeChat allows
    only the server IPs in the account's IP allow-list to fetch tokens.
    """

    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        app_secret: str,
        timeout: float,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        token_cache: TokenCache | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = token_cache if token_cache is not None else MemoryTokenCache(clock)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self._base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except requests.RequestException as error:
            raise WeChatApiError(f"{path}: {type(error).__name__}") from error
        if response.status_code != requests.codes.ok:
            raise WeChatApiError(f"{path}: HTTP {response.status_code}")
        try:
            result = response.json()
        except ValueError as error:
            raise WeChatApiError(f"{path}: not JSON") from error
        if not isinstance(result, dict):
            raise WeChatApiError(f"{path}: not a JSON object")
        errcode = result.get("errcode", 0)
        if errcode:
            raise WeChatApiError(f"{path}: errcode {errcode} {result.get('errmsg', '')}", errcode)
        return result

    def access_token(self, *, rejected: str | None = None) -> str:
        """Return a valid access token, fetching one when none is cached or it expired.

        ``rejected`` is a token WeChat refused: a new one is fetched unless another caller
        already replaced it. The token lives in the token cache, which several machines may
        share (fetching a new token makes WeChat expire the old one within minutes).
        """
        with self._lock, self._tokens.lock():
            if rejected is not None:
                self._tokens.invalidate(rejected)
            cached = self._tokens.get()
            if cached is not None:
                return cached
            result = self._call(
                "GET",
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self._app_id,
                    "secret": self._app_secret,
                },
            )
            token = result.get("access_token")
            expires_in = result.get("expires_in")
            if not isinstance(token, str) or not isinstance(expires_in, int):
                raise WeChatApiError("/cgi-bin/token: no access_token or expires_in")
            margin = min(_EXPIRY_MARGIN, expires_in / 2)
            self._tokens.put(token, expires_in - margin)
            logger.info("wechat: new access token, valid %d s", expires_in)
            return token

    def send_text(self, openid: str, content: str) -> None:
        """Send one customer-service text message (at most 2048 bytes) to ``openid``.

        Retries once with a new token when WeChat says the token is invalid or expired.

        Raises:
            WeChatApiError: WeChat refused the message or could not be reached.
        """
        body = json.dumps(
            {"touser": openid, "msgtype": "text", "text": {"content": content}},
            ensure_ascii=False,
        ).encode("utf-8")
        token = self.access_token()
        for attempt in (1, 2):
            try:
                self._call(
                    "POST",
                    "/cgi-bin/message/custom/send",
                    params={"access_token": token},
                    data=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
                return
            except WeChatApiError as error:
                if attempt == 2 or error.errcode not in TOKEN_EXPIRED_CODES:
                    raise
                logger.info("wechat: access token rejected (%s), fetching a new one", error)
                token = self.access_token(rejected=token)

    def get_media(self, media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """Download a temporary media file (a user's photo; kept by WeChat for 3 days).

        Retries once with a new token when WeChat says the token is invalid or expired.

        Returns:
            The bytes and the content type WeChat declared.

        Raises:
            WeChatApiError: WeChat answered with an error, could not be reached, or the
                file is larger than ``max_bytes``.
        """
        token = self.access_token()
        for attempt in (1, 2):
            try:
                return self._download(media_id, token, max_bytes)
            except WeChatApiError as error:
                if attempt == 2 or error.errcode not in TOKEN_EXPIRED_CODES:
                    raise
                logger.info("wechat: access token rejected (%s), fetching a new one", error)
                token = self.access_token(rejected=token)
        raise AssertionError("unreachable")  # pragma: no cover

    def _download(self, media_id: str, token: str, max_bytes: int) -> tuple[bytes, str]:
        path = "/cgi-bin/media/get"
        try:
            response = self._session.get(
                f"{self._base_url}{path}",
                params={"access_token": token, "media_id": media_id},
                timeout=self._timeout,
                stream=True,
            )
        except requests.RequestException as error:
            raise WeChatApiError(f"{path}: {type(error).__name__}") from error
        with response:
            if response.status_code != requests.codes.ok:
                raise WeChatApiError(f"{path}: HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            if content_type in ("application/json", "text/plain"):
                # WeChat reports errors as JSON with a 200 status.
                try:
                    result = response.json()
                except ValueError as error:
                    raise WeChatApiError(f"{path}: not JSON") from error
                errcode = result.get("errcode") if isinstance(result, dict) else None
                raise WeChatApiError(f"{path}: errcode {errcode}", errcode)
            data = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise WeChatApiError(f"{path}: larger than {max_bytes} bytes")
            except requests.RequestException as error:
                raise WeChatApiError(f"{path}: {type(error).__name__}") from error
            return bytes(data), content_type

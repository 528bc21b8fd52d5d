"""The senders of this process, built from the settings, and why a channel has none."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.channels.live import live_channel
from bot.channels.wechat.api import WeChatApi
from bot.notify.policy import RetryPolicy
from bot.notify.senders import NoticeSender
from bot.notify.sms import HttpSmsProvider, SmsSender
from bot.notify.wechat import TokenSource, WeChatTemplateSender
from bot.notify.widget import WidgetSender
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: The input channel names of the running channels the senders use.
WECHAT_CHANNEL = "wechat"
WIDGET_CHANNEL = "socketio"


@dataclass
class SenderSet:
    """The senders by notice channel, and for each channel without one, why."""

    senders: dict[str, NoticeSender] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def log_unavailable(self) -> None:
        """Say in the log which channels' notices wait, and why."""
        for channel, reason in sorted(self.unavailable.items()):
            logger.warning("%s notices wait in the outbox: %s", channel, reason)


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy of ``NOTIFY_*``."""
    return RetryPolicy(
        max_attempts=settings.notify_max_attempts,
        base_seconds=settings.notify_retry_base_seconds,
        max_seconds=settings.notify_retry_max_seconds,
        claim_seconds=settings.notify_claim_seconds,
        widget_wait_seconds=settings.notify_widget_wait_seconds,
        batch_size=settings.notify_batch_size,
    )


def _wechat_tokens(settings: Settings) -> tuple[TokenSource, str] | None:
    """The running WeChat channel's token source, else one built from the settings."""
    channel = live_channel(WECHAT_CHANNEL)
    if channel is not None:
        return channel.api, str(channel.app_id)
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return None
    from bot.channels.wechat.shared_state import build_state

    state = build_state(settings, settings.wechat_app_id)
    api = WeChatApi(
        base_url=settings.wechat_api_base_url,
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret,
        timeout=settings.wechat_http_timeout,
        token_cache=state.tokens,
    )
    return api, settings.wechat_app_id


def build_senders(settings: Settings, *, widget: bool) -> SenderSet:
    """The senders this process can use.

    Args:
        settings: The settings (``WECHAT_*``, ``SMS_*``).
        widget: Whether the web widget may run in this process (the Rasa server); the
            command line leaves widget notices to the server.
    """
    result = SenderSet()
    tokens = _wechat_tokens(settings)
    if not settings.wechat_notice_template_id:
        result.unavailable["wechat"] = "WECHAT_NOTICE_TEMPLATE_ID is not set"
    elif tokens is None:
        result.unavailable["wechat"] = "WECHAT_APP_ID / WECHAT_APP_SECRET are not set"
    else:
        source, app_id = tokens
        result.senders["wechat"] = WeChatTemplateSender(
            tokens=source,
            app_id=app_id,
            template_id=settings.wechat_notice_template_id,
            api_base_url=settings.wechat_api_base_url,
            timeout=settings.wechat_http_timeout,
            tz=settings.tz,
        )
    if settings.sms_url:
        provider = HttpSmsProvider(
            url=settings.sms_url, token=settings.sms_token, timeout=settings.sms_timeout
        )
        result.senders["sms"] = SmsSender(provider)
    else:
        result.unavailable["sms"] = "SMS_URL is not set"
    if widget:
        result.senders["web"] = WidgetSender(lambda: live_channel(WIDGET_CHANNEL))
    else:
        result.unavailable["web"] = "widget notices are delivered by the Rasa server"
    return result
